package channel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Headers of a presence webhook.
const (
	HeaderTimestamp = "X-Channel-Timestamp" // milliseconds since the Unix epoch, when it was signed
	// HeaderSignatureV2 is "v2=" + hex HMAC-SHA256 of "v2.<timestamp>.<event>.<event id>.<raw body>":
	// the signature this package requires.
	HeaderSignatureV2 = "X-Channel-Signature-V2"
	// HeaderSignature is "v1=" + hex HMAC-SHA256 of "<timestamp>.<raw body>", still sent for verifiers
	// of the earlier format; it covers neither the event nor its ID, and this package ignores it.
	HeaderSignature = "X-Channel-Signature"
	HeaderEvent     = "X-Channel-Event"      // "connected" or "disconnected"
	HeaderEventID   = "X-Channel-Event-Id"   // the same for every delivery of one event
	HeaderEventTime = "X-Channel-Event-Time" // milliseconds since the Unix epoch, when it happened
)

// SignatureTolerance is how far a webhook's timestamp may be from the clock: a captured request cannot
// be replayed later than this.
const SignatureTolerance = 5 * time.Minute

var (
	// ErrInvalidSignature: a webhook without a valid signature. Every signature failure matches it,
	// a stale one included.
	ErrInvalidSignature = errors.New("channel: invalid webhook signature")
	// ErrStaleSignature: a correctly signed webhook whose timestamp is more than SignatureTolerance
	// from now (a replay, or a clock that is far off).
	ErrStaleSignature = errors.New("channel: stale webhook signature")
)

// signatureError matches ErrInvalidSignature, and ErrStaleSignature too when stale.
type signatureError struct {
	reason string
	stale  bool
}

func (e *signatureError) Error() string {
	if e.stale {
		return ErrStaleSignature.Error() + ": " + e.reason
	}
	return ErrInvalidSignature.Error() + ": " + e.reason
}

func (e *signatureError) Is(target error) bool {
	return target == ErrInvalidSignature || (e.stale && target == ErrStaleSignature)
}

// EnvWebhookSecret is read when a webhook function is given an empty secret.
const EnvWebhookSecret = "CHANNEL_GATEWAY_WEBHOOK_SECRET"

// VerifySignature checks the v2 signature of a webhook (X-Channel-Signature-V2, over X-Channel-Timestamp,
// X-Channel-Event, X-Channel-Event-Id and the raw body, as received, before any form parsing) with the
// gateway's CG_WEBHOOK_SECRET. An empty secret means the value of CHANNEL_GATEWAY_WEBHOOK_SECRET.
//
// The event checked is the one the request's own X-Channel-Event header names, which the signature
// covers; but a delivery replayed to the other path would pass. Prefer VerifyRequest, ParsePresence
// (which check the path) or VerifyEventSignature (which takes the event the handler serves).
func VerifySignature(secret string, header http.Header, body []byte) error {
	return VerifyEventSignature(secret, header.Get(HeaderEvent), header, body)
}

// VerifyEventSignature checks that the webhook's v2 signature is the gateway's for event ("connected"
// or "disconnected": the path it came to, or the handler serving it), its X-Channel-Event-Id and body,
// signed within SignatureTolerance of now. A request with only the earlier v1 signature is refused.
func VerifyEventSignature(secret, event string, header http.Header, body []byte) error {
	if secret == "" {
		secret = os.Getenv(EnvWebhookSecret)
	}
	return verifySignature(secret, event, header.Get(HeaderEventID), header.Get(HeaderTimestamp), header.Get(HeaderSignatureV2), body, time.Now())
}

// validEventID is what an event ID may be: a field of the signed text, so without its separator.
func validEventID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func verifySignature(secret, event, eventID, timestamp, signature string, body []byte, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret (give it, or set %s)", ErrNotConfigured, EnvWebhookSecret)
	}
	if timestamp == "" || signature == "" {
		return &signatureError{reason: "missing " + HeaderTimestamp + " or " + HeaderSignatureV2 + " (a v1 signature alone is not accepted)"}
	}
	if event != "connected" && event != "disconnected" {
		return &signatureError{reason: fmt.Sprintf("the event must be connected or disconnected, not %q", event)}
	}
	if !validEventID(eventID) {
		return &signatureError{reason: fmt.Sprintf("%s is missing or malformed: %q", HeaderEventID, eventID)}
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ms < 0 || len(timestamp) > 16 {
		return &signatureError{reason: fmt.Sprintf("%s is not a time in milliseconds: %q", HeaderTimestamp, timestamp)}
	}
	if !strings.HasPrefix(signature, "v2=") {
		return &signatureError{reason: HeaderSignatureV2 + " does not start with v2="}
	}
	given, err := hex.DecodeString(signature[len("v2="):])
	if err != nil {
		return &signatureError{reason: HeaderSignatureV2 + " is not hexadecimal"}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v2." + timestamp + "." + event + "." + eventID + "."))
	mac.Write(body)
	if !hmac.Equal(given, mac.Sum(nil)) {
		return &signatureError{reason: "the signature is not that of a " + event + " event with this " + HeaderEventID + " and body"}
	}
	// Checked after the MAC so that only a genuine, old request is called stale.
	age := now.Sub(time.UnixMilli(ms))
	if age > SignatureTolerance || age < -SignatureTolerance {
		return &signatureError{stale: true, reason: fmt.Sprintf("signed %v from now (at most %v)", age.Round(time.Second), SignatureTolerance)}
	}
	return nil
}

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
	HeaderTimestamp = "X-Channel-Timestamp"  // milliseconds since the Unix epoch, when it was signed
	HeaderSignature = "X-Channel-Signature"  // "v1=" + hex HMAC-SHA256 of "<timestamp>.<raw body>"
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

// VerifySignature checks the X-Channel-Timestamp and X-Channel-Signature headers of a webhook against
// its raw body (as received, before any form parsing) and the gateway's CG_WEBHOOK_SECRET. An empty
// secret means the value of CHANNEL_GATEWAY_WEBHOOK_SECRET.
func VerifySignature(secret string, header http.Header, body []byte) error {
	if secret == "" {
		secret = os.Getenv(EnvWebhookSecret)
	}
	return verifySignature(secret, header.Get(HeaderTimestamp), header.Get(HeaderSignature), body, time.Now())
}

func verifySignature(secret, timestamp, signature string, body []byte, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret (give it, or set %s)", ErrNotConfigured, EnvWebhookSecret)
	}
	if timestamp == "" || signature == "" {
		return &signatureError{reason: "missing " + HeaderTimestamp + " or " + HeaderSignature}
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ms < 0 || len(timestamp) > 16 {
		return &signatureError{reason: fmt.Sprintf("%s is not a time in milliseconds: %q", HeaderTimestamp, timestamp)}
	}
	if !strings.HasPrefix(signature, "v1=") {
		return &signatureError{reason: HeaderSignature + " does not start with v1="}
	}
	given, err := hex.DecodeString(signature[len("v1="):])
	if err != nil {
		return &signatureError{reason: HeaderSignature + " is not hexadecimal"}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	if !hmac.Equal(given, mac.Sum(nil)) {
		return &signatureError{reason: "the signature does not match the body"}
	}
	// Checked after the MAC so that only a genuine, old request is called stale.
	age := now.Sub(time.UnixMilli(ms))
	if age > SignatureTolerance || age < -SignatureTolerance {
		return &signatureError{stale: true, reason: fmt.Sprintf("signed %v from now (at most %v)", age.Round(time.Second), SignatureTolerance)}
	}
	return nil
}

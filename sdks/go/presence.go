package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidPresence: a correctly signed request that is not a presence webhook (no "from" field,
// an unknown body format, or a path that is neither connected nor disconnected).
var ErrInvalidPresence = errors.New("channel: invalid presence webhook")

// maxWebhookBytes bounds what is read of a webhook body: it carries one client ID of at most 256 bytes.
const maxWebhookBytes = 64 << 10

// Presence is a presence webhook: a client connected or left for good.
type Presence struct {
	// ClientID is the "from" field, the client ID given to Create.
	ClientID string
	// Connected is true for /_ah/channel/connected/, false for /_ah/channel/disconnected/.
	Connected bool
	// EventID is the same for every delivery of one event (deliveries are at least once).
	EventID string
	// EventTime is when the gateway saw the event (zero if the header is absent). Retries can
	// reorder deliveries: compare it to discard an event older than one already handled.
	EventTime time.Time
}

// VerifyRequest reads r's body, checks its v2 signature with secret (the gateway's CG_WEBHOOK_SECRET; ""
// means CHANNEL_GATEWAY_WEBHOOK_SECRET) for the event r's path names (or, on another path, its signed
// X-Channel-Event) and puts the body back, so the handler can still read it (r.FormValue("from")). The
// error matches ErrInvalidSignature when the signature is missing, wrong (a delivery replayed to the
// other path included) or stale, and ErrInvalidPresence when no event can be told.
func VerifyRequest(r *http.Request, secret string) ([]byte, error) {
	connected, err := presenceEvent(r)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxWebhookBytes+1))
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("channel: reading the webhook body: %w", err)
		}
		if len(body) > maxWebhookBytes {
			return nil, fmt.Errorf("%w: body over %d bytes", ErrInvalidPresence, maxWebhookBytes)
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	event := "disconnected"
	if connected {
		event = "connected"
	}
	if err := VerifyEventSignature(secret, event, r.Header, body); err != nil {
		return nil, err
	}
	return body, nil
}

// ParsePresence verifies a presence webhook and returns what it says. The body may be
// application/x-www-form-urlencoded (the gateway's default, and App Engine's dev server) or
// multipart/form-data (App Engine production, and the gateway's multipart setting).
func ParsePresence(r *http.Request, secret string) (Presence, error) {
	body, err := VerifyRequest(r, secret)
	if err != nil {
		return Presence{}, err
	}
	connected, err := presenceEvent(r) // as VerifyRequest found it
	if err != nil {
		return Presence{}, err
	}
	from, err := presenceFrom(r.Header.Get("Content-Type"), body)
	if err != nil {
		return Presence{}, err
	}
	p := Presence{ClientID: from, Connected: connected, EventID: r.Header.Get(HeaderEventID)}
	if ms, err := strconv.ParseInt(r.Header.Get(HeaderEventTime), 10, 64); err == nil {
		p.EventTime = time.UnixMilli(ms)
	}
	return p, nil
}

// presenceEvent reads the event from the path, as App Engine apps route it, and from X-Channel-Event;
// when both are present they must agree.
func presenceEvent(r *http.Request) (bool, error) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	fromPath := ""
	switch {
	case strings.HasSuffix(path, "/_ah/channel/connected"):
		fromPath = "connected"
	case strings.HasSuffix(path, "/_ah/channel/disconnected"):
		fromPath = "disconnected"
	}
	fromHeader := r.Header.Get(HeaderEvent)
	event := fromPath
	if event == "" {
		event = fromHeader
	}
	if fromPath != "" && fromHeader != "" && fromPath != fromHeader {
		return false, fmt.Errorf("%w: path %s but %s: %s", ErrInvalidPresence, r.URL.Path, HeaderEvent, fromHeader)
	}
	switch event {
	case "connected":
		return true, nil
	case "disconnected":
		return false, nil
	}
	return false, fmt.Errorf("%w: neither the path (%s) nor %s says connected or disconnected", ErrInvalidPresence, r.URL.Path, HeaderEvent)
}

// presenceFrom returns the "from" field of a form body.
func presenceFrom(contentType string, body []byte) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mediaType, err = "application/x-www-form-urlencoded", nil
	}
	if err != nil {
		return "", fmt.Errorf("%w: Content-Type %q: %v", ErrInvalidPresence, contentType, err)
	}
	var from string
	switch mediaType {
	case "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidPresence, err)
		}
		from = values.Get("from")
	case "multipart/form-data":
		if from, err = multipartField(body, params["boundary"], "from"); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("%w: unexpected Content-Type %q", ErrInvalidPresence, mediaType)
	}
	if from == "" || !utf8.ValidString(from) || len(from) > MaxClientIDLength {
		return "", fmt.Errorf("%w: no valid \"from\" field", ErrInvalidPresence)
	}
	return from, nil
}

func multipartField(body []byte, boundary, name string) (string, error) {
	if boundary == "" {
		return "", fmt.Errorf("%w: multipart/form-data without a boundary", ErrInvalidPresence)
	}
	reader := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := reader.NextPart()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidPresence, err)
		}
		if part.FormName() != name {
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, MaxClientIDLength+1))
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidPresence, err)
		}
		return string(value), nil
	}
}

// PresenceHandler serves presence webhooks: it verifies each request and calls handle with it. It
// answers 204 when handle returns nil, 500 when it returns an error (the gateway retries the webhook
// later), 401 to a bad signature, 400 to a request that is not a presence webhook, and 500 when the
// secret is empty. An event it has handled (same EventID, event and client) that comes again within
// twice SignatureTolerance — a retry whose answer was lost, or a replay — is answered 204 without
// calling handle; it remembers at most 10,000 events. Mount it on
// both paths, e.g. mux.Handle("/_ah/channel/", channel.PresenceHandler(secret, handle)).
func PresenceHandler(secret string, handle func(context.Context, Presence) error) http.Handler {
	seen := &seenEvents{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "presence webhooks are POST requests", http.StatusMethodNotAllowed)
			return
		}
		p, err := ParsePresence(r, secret)
		if err != nil {
			http.Error(w, err.Error(), verifyStatus(err))
			return
		}
		if seen.has(p, time.Now()) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if err := handle(r.Context(), p); err != nil {
			http.Error(w, "presence handler failed", http.StatusInternalServerError)
			return
		}
		seen.add(p, time.Now())
		w.WriteHeader(http.StatusNoContent)
	})
}

// RequireSignature lets through to next only requests signed by the gateway for the event of their path,
// with their body intact,
// so that an App Engine presence handler reading r.FormValue("from") keeps working unchanged. Other
// requests get 401 (no valid signature) or 400 (a body too large to be a webhook, or no event).
func RequireSignature(secret string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := VerifyRequest(r, secret); err != nil {
			http.Error(w, err.Error(), verifyStatus(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// verifyStatus is the answer to a webhook that failed verification or parsing.
func verifyStatus(err error) int {
	switch {
	case errors.Is(err, ErrInvalidSignature):
		return http.StatusUnauthorized
	case errors.Is(err, ErrNotConfigured):
		return http.StatusInternalServerError // the app's own setting is missing: the gateway retries later
	}
	return http.StatusBadRequest
}

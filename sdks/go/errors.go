package channel

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Test for them with errors.Is: they match an *Error about the corresponding field,
// whether the SDK refused the argument before sending or the gateway answered 400 about it.
var (
	// ErrInvalidClientID: empty, longer than MaxClientIDLength bytes, not UTF-8, or with control
	// characters (App Engine's InvalidChannelClientIdError).
	ErrInvalidClientID = errors.New("channel: invalid client ID")
	// ErrInvalidDuration: not a whole number of minutes from MinDuration to MaxDuration (App Engine's
	// InvalidChannelTokenDurationError).
	ErrInvalidDuration = errors.New("channel: invalid channel duration")
	// ErrInvalidMessage: longer than MaxMessageLength bytes, not UTF-8, or a value SendJSON cannot
	// encode (App Engine's InvalidMessageError).
	ErrInvalidMessage = errors.New("channel: invalid message")
	// ErrInvalidToken: an empty or malformed token given to SendToToken. A well-formed token that is
	// unknown, expired or revoked is not an error: the send answers StatusNoChannel.
	ErrInvalidToken = errors.New("channel: invalid token")
	// ErrNotConfigured: no gateway URL or API key (set CHANNEL_GATEWAY_URL and CHANNEL_GATEWAY_API_KEY,
	// or call Configure).
	ErrNotConfigured = errors.New("channel: gateway not configured")
)

// Error codes the gateway puts in its error answers ({"error":{"code","message","field"}}).
const (
	CodeInvalidJSON          = "invalid_json"
	CodeInvalidField         = "invalid_field"
	CodeUnauthorized         = "unauthorized"
	CodeNotFound             = "not_found"
	CodePayloadTooLarge      = "payload_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeUnavailable          = "unavailable"
	CodeInternal             = "internal"
)

// Error is a call the gateway refused, or an argument the SDK refused before sending.
type Error struct {
	// StatusCode is the HTTP status of the gateway's answer; 0 when the SDK refused the call itself.
	StatusCode int
	// Code is the gateway's error code (one of the Code constants), e.g. CodeInvalidField.
	Code string
	// Message says what was wrong, e.g. "clientId must not be empty".
	Message string
	// Field names the request field the error is about, when there is one: "clientId",
	// "durationMinutes", "message", "token", or "messages[3].clientId" in a batch.
	Field string
	// cause is an underlying error (e.g. from encoding/json in SendJSON), for errors.Unwrap.
	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("channel: ")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "gateway answered %d", e.StatusCode)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidClientID) (and the other field sentinels) true for an error about
// that field, in a single call or in any item of a batch.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalidClientID:
		return e.fieldIs("clientId")
	case ErrInvalidDuration:
		return e.fieldIs("durationMinutes")
	case ErrInvalidMessage:
		return e.fieldIs("message")
	case ErrInvalidToken:
		return e.fieldIs("token")
	}
	return false
}

func (e *Error) fieldIs(name string) bool {
	if e.Code != CodeInvalidField {
		return false
	}
	return e.Field == name || strings.HasSuffix(e.Field, "."+name)
}

// Unwrap returns the underlying cause, if any (for SendJSON, the encoding/json error).
func (e *Error) Unwrap() error { return e.cause }

// Temporary reports whether trying the same call again later may succeed (the gateway was unavailable).
func (e *Error) Temporary() bool {
	return e.StatusCode == 502 || e.StatusCode == 503 || e.StatusCode == 504
}

func invalidField(field, problem string) *Error {
	return &Error{Code: CodeInvalidField, Field: field, Message: field + " " + problem}
}

// RequestError is a call that got no answer from the gateway: the connection was refused or broke,
// or the context's deadline passed or it was cancelled. Err is the last cause; errors.Is(err,
// context.DeadlineExceeded) and errors.As(err, new(*net.OpError)) see through it.
type RequestError struct {
	// Method and URL of the request.
	Method, URL string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is what the last attempt failed with.
	Err error
}

func (e *RequestError) Error() string {
	plural := "s"
	if e.Attempts == 1 {
		plural = ""
	}
	return fmt.Sprintf("channel: %s %s: no answer after %d attempt%s: %v", e.Method, e.URL, e.Attempts, plural, e.Err)
}

// Unwrap returns the cause of the last attempt.
func (e *RequestError) Unwrap() error { return e.Err }

package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Status is the gateway's answer to a send.
type Status string

// The answers to a send.
const (
	// StatusRouted: the node holding the client's socket received the message.
	StatusRouted Status = "routed"
	// StatusQueued: the channel is live but no socket is open; the message waits in the channel's
	// buffer and is delivered when a socket opens.
	StatusQueued Status = "queued"
	// StatusNoChannel: no live channel for that client ID (or token); nothing was sent. App Engine
	// dropped such messages without a word.
	StatusNoChannel Status = "no_channel"
	// StatusInvalid: a batch item the gateway refused; its Result.Err says why.
	StatusInvalid Status = "invalid"
)

// Channel is a created channel: the token for the browser, and when it stops being valid.
type Channel struct {
	ClientID  string
	Token     string
	ExpiresAt time.Time
}

// CreateOption configures Create and Client.CreateChannel.
type CreateOption func(*createOptions)

type createOptions struct {
	duration    time.Duration
	hasDuration bool
}

// WithDuration sets how long the token is valid: whole minutes from MinDuration to MaxDuration
// (App Engine's duration_minutes). Without it the gateway uses DefaultDuration.
func WithDuration(d time.Duration) CreateOption {
	return func(o *createOptions) { o.duration, o.hasDuration = d, true }
}

// SendOption configures the sends.
type SendOption func(*sendOptions)

type sendOptions struct {
	idempotencyKey string
	hasKey         bool
}

// WithIdempotencyKey sends the call with this Idempotency-Key instead of a generated one; give the same
// key when sending the same message again after a failure of your own, so it is delivered once.
func WithIdempotencyKey(key string) SendOption {
	return func(o *sendOptions) { o.idempotencyKey, o.hasKey = key, true }
}

func (o *sendOptions) key() (string, error) {
	if !o.hasKey {
		return newIdempotencyKey()
	}
	if o.idempotencyKey == "" || len(o.idempotencyKey) > 255 {
		return "", invalidField("idempotencyKey", "must be 1 to 255 characters")
	}
	for i := 0; i < len(o.idempotencyKey); i++ {
		if c := o.idempotencyKey[i]; c < 0x21 || c > 0x7e {
			return "", invalidField("idempotencyKey", "must be printable ASCII without spaces")
		}
	}
	return o.idempotencyKey, nil
}

func applySendOptions(opts []SendOption) (string, error) {
	var o sendOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o.key()
}

// CreateChannel creates a channel for clientID and returns its token and expiry. Creating another
// channel for the same client ID adds a token; earlier ones stay valid until they expire.
func (c *Client) CreateChannel(ctx context.Context, clientID string, opts ...CreateOption) (Channel, error) {
	var o createOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkClientID(clientID, "clientId"); err != nil {
		return Channel{}, err
	}
	body := map[string]interface{}{"clientId": clientID}
	if o.hasDuration {
		if err := checkDuration(o.duration); err != nil {
			return Channel{}, err
		}
		body["durationMinutes"] = int(o.duration / time.Minute)
	}
	var answer struct {
		ClientID  string    `json:"clientId"`
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	// Not idempotent, and need not be: a retry that creates a second token leaves both valid.
	if err := c.do(ctx, request{method: http.MethodPost, path: "/v1/channels", body: body}, &answer); err != nil {
		return Channel{}, err
	}
	if answer.Token == "" {
		return Channel{}, &Error{StatusCode: http.StatusCreated, Message: "the gateway's answer has no token"}
	}
	return Channel{ClientID: answer.ClientID, Token: answer.Token, ExpiresAt: answer.ExpiresAt}, nil
}

// Send sends msg to the socket of clientID and returns what the gateway did with it. StatusNoChannel
// is an answer, not an error.
func (c *Client) Send(ctx context.Context, clientID, msg string, opts ...SendOption) (Status, error) {
	if err := checkClientID(clientID, "clientId"); err != nil {
		return "", err
	}
	if err := checkMessage(msg, "message"); err != nil {
		return "", err
	}
	key, err := applySendOptions(opts)
	if err != nil {
		return "", err
	}
	var answer struct {
		Status Status `json:"status"`
	}
	path := "/v1/channels/" + url.PathEscape(clientID) + "/messages"
	r := request{method: http.MethodPost, path: path, body: map[string]string{"message": msg}, idempotencyKey: key}
	if err := c.do(ctx, r, &answer); err != nil {
		return "", err
	}
	return answer.Status, nil
}

// SendJSON sends value encoded with encoding/json, as App Engine's SendJSON did. A value that cannot
// be encoded, or whose encoding is longer than MaxMessageLength, is ErrInvalidMessage.
func (c *Client) SendJSON(ctx context.Context, clientID string, value interface{}, opts ...SendOption) (Status, error) {
	msg, err := json.Marshal(value)
	if err != nil {
		e := invalidField("message", "cannot be encoded as JSON: "+err.Error())
		e.cause = err
		return "", e
	}
	return c.Send(ctx, clientID, string(msg), opts...)
}

// SendToToken sends msg to the channel of token, the string CreateChannel returned, as App Engine's
// Send accepted a token in place of the client ID. The token travels in the request body, never in a
// URL. The Result has the client ID the token belongs to; an unknown, expired or revoked token answers
// StatusNoChannel with an empty ClientID.
func (c *Client) SendToToken(ctx context.Context, token, msg string, opts ...SendOption) (Result, error) {
	if err := checkToken(token, "token"); err != nil {
		return Result{}, err
	}
	if err := checkMessage(msg, "message"); err != nil {
		return Result{}, err
	}
	results, err := c.SendBatch(ctx, []Message{{Token: token, Data: msg}}, opts...)
	if err != nil {
		return Result{}, err
	}
	if results[0].Err != nil {
		return Result{}, results[0].Err
	}
	return results[0], nil
}

// Message is one item of SendBatch: Data for the channel of ClientID or of Token (exactly one of them).
type Message struct {
	ClientID string
	Token    string
	// Data is delivered to the socket's onmessage as message.data, byte for byte.
	Data string
}

// Result is the answer for one item of SendBatch, in the order of the request.
type Result struct {
	// ClientID is the item's client ID; for an item sent by token, the client ID the token belongs to
	// (empty when the token is not live).
	ClientID string
	Status   Status
	// Err is set, to an *Error, when Status is StatusInvalid.
	Err error
}

// SendBatch sends up to MaxBatchSize messages in one request. Every item is checked before anything is
// sent, so a bad item fails the whole call with an error naming it (e.g. Field "messages[3].message")
// and nothing is sent. Per-client order is the slice's order.
func (c *Client) SendBatch(ctx context.Context, messages []Message, opts ...SendOption) ([]Result, error) {
	if len(messages) == 0 || len(messages) > MaxBatchSize {
		return nil, invalidField("messages", fmt.Sprintf("must have from 1 to %d items (got %d)", MaxBatchSize, len(messages)))
	}
	type item struct {
		ClientID string `json:"clientId,omitempty"`
		Token    string `json:"token,omitempty"`
		Message  string `json:"message"`
	}
	items := make([]item, len(messages))
	for i, m := range messages {
		field := fmt.Sprintf("messages[%d]", i)
		switch {
		case (m.ClientID == "") == (m.Token == ""):
			return nil, invalidField(field, "must have exactly one of ClientID and Token")
		case m.Token != "":
			if err := checkToken(m.Token, field+".token"); err != nil {
				return nil, err
			}
		default:
			if err := checkClientID(m.ClientID, field+".clientId"); err != nil {
				return nil, err
			}
		}
		if err := checkMessage(m.Data, field+".message"); err != nil {
			return nil, err
		}
		items[i] = item{ClientID: m.ClientID, Token: m.Token, Message: m.Data}
	}
	key, err := applySendOptions(opts)
	if err != nil {
		return nil, err
	}
	var answer struct {
		Results []struct {
			ClientID string `json:"clientId"`
			Status   Status `json:"status"`
			Error    *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		} `json:"results"`
	}
	r := request{method: http.MethodPost, path: "/v1/messages", body: map[string]interface{}{"messages": items}, idempotencyKey: key}
	if err := c.do(ctx, r, &answer); err != nil {
		return nil, err
	}
	if len(answer.Results) != len(messages) {
		return nil, &Error{StatusCode: http.StatusAccepted, Message: fmt.Sprintf("the gateway answered %d results for %d messages", len(answer.Results), len(messages))}
	}
	results := make([]Result, len(messages))
	for i, got := range answer.Results {
		results[i] = Result{ClientID: got.ClientID, Status: got.Status}
		if got.Error != nil {
			results[i].Err = &Error{StatusCode: http.StatusAccepted, Code: got.Error.Code, Message: got.Error.Message, Field: got.Error.Field}
		} else if got.Status == StatusInvalid {
			results[i].Err = &Error{StatusCode: http.StatusAccepted, Code: CodeInvalidField, Message: fmt.Sprintf("messages[%d] was refused", i)}
		}
	}
	return results, nil
}

// DeleteChannel revokes every token of clientID and closes its socket (the browser gets
// onerror({code: 401, description: "Invalid+token."})). It reports whether there was a live channel.
func (c *Client) DeleteChannel(ctx context.Context, clientID string) (bool, error) {
	if err := checkClientID(clientID, "clientId"); err != nil {
		return false, err
	}
	err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/channels/" + url.PathEscape(clientID)}, nil)
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}

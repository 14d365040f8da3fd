package channel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Retry backoff: the n-th pause is drawn from [b/2, b) with b = min(backoffCap, backoffBase·2ⁿ⁻¹), so
// retries from many callers spread out, yet none comes instantly after a refused connection.
const (
	backoffBase = 100 * time.Millisecond
	backoffCap  = 2 * time.Second
	// maxAnswerBytes bounds what is read of an answer; a full batch answer is well under 1 MiB.
	maxAnswerBytes = 4 << 20
	userAgent      = "channel-gateway-go/0.1"
)

// request is one API call: sent up to maxAttempts times with the same body and headers.
type request struct {
	method, path   string
	body           interface{} // encoded as JSON; nil for no body
	idempotencyKey string      // sent as Idempotency-Key when not empty
}

// do sends r and decodes a 2xx answer's JSON into out (unless out is nil). Any other answer is an
// *Error; no answer at all is a *RequestError.
func (c *Client) do(ctx context.Context, r request, out interface{}) error {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("channel: encoding the request: %w", err)
		}
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	target := c.base + r.path

	var last error
	attempts := 0
	for attempts < c.maxAttempts {
		if attempts > 0 {
			pause := backoff(attempts)
			// A pause that would outlast the deadline cannot end in an answer: report the failure now.
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= pause {
				break
			}
			timer := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				timer.Stop()
				return &RequestError{Method: r.method, URL: target, Attempts: attempts, Err: ctx.Err()}
			case <-timer.C:
			}
		}
		attempts++
		status, answer, err := c.send(ctx, r, target, payload)
		if err != nil {
			if ctx.Err() != nil {
				return &RequestError{Method: r.method, URL: target, Attempts: attempts, Err: ctx.Err()}
			}
			last = err // refused, reset, or a broken answer: worth another attempt
			continue
		}
		if status >= 200 && status < 300 {
			if out == nil || len(answer) == 0 {
				return nil
			}
			if err := json.Unmarshal(answer, out); err != nil {
				return &Error{StatusCode: status, Message: fmt.Sprintf("unreadable answer from %s: %v", target, err), cause: err}
			}
			return nil
		}
		apiErr := parseErrorAnswer(status, answer)
		if !apiErr.Temporary() {
			return apiErr
		}
		last = apiErr
	}
	var apiErr *Error
	if errors.As(last, &apiErr) {
		return apiErr
	}
	return &RequestError{Method: r.method, URL: target, Attempts: attempts, Err: last}
}

// send makes one attempt and returns the status and body of the answer.
func (c *Client) send(ctx context.Context, r request, target string, payload []byte) (int, []byte, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.idempotencyKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // RequestError already names the method and URL
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, answer, nil
}

// bound applies the client's Timeout unless the context already ends sooner.
func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout < 0 {
		return context.WithCancel(ctx)
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= c.timeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.timeout)
}

// parseErrorAnswer turns a non-2xx answer into an *Error; an answer that is not the gateway's JSON
// (a proxy's HTML page, say) keeps its status and a short excerpt.
func parseErrorAnswer(status int, answer []byte) *Error {
	var parsed struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	if json.Unmarshal(answer, &parsed) == nil && parsed.Error != nil {
		return &Error{StatusCode: status, Code: parsed.Error.Code, Message: parsed.Error.Message, Field: parsed.Error.Field}
	}
	excerpt := string(answer)
	if len(excerpt) > 200 {
		excerpt = excerpt[:200] + "…"
	}
	message := http.StatusText(status)
	if excerpt != "" {
		message += ": " + excerpt
	}
	return &Error{StatusCode: status, Message: message}
}

var (
	jitterMu sync.Mutex
	jitter   = mrand.New(mrand.NewSource(time.Now().UnixNano()))
)

// backoff is the pause before retry number n (n ≥ 1).
func backoff(n int) time.Duration {
	b := backoffCap
	if n < 16 {
		if d := backoffBase << (n - 1); d < b {
			b = d
		}
	}
	jitterMu.Lock()
	defer jitterMu.Unlock()
	return b/2 + time.Duration(jitter.Int63n(int64(b/2)))
}

// newIdempotencyKey returns 128 random bits in hex: unique per call, so the gateway can recognise a
// retried send and deliver it once.
func newIdempotencyKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("channel: generating an idempotency key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

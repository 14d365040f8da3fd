// Package channel is the server side of Channel Gateway for Go, a drop-in for the App Engine Channel API
// package google.golang.org/appengine/channel.
//
// An App Engine app moves by changing its import and setting two environment variables:
//
//	import "github.com/channel-gateway/channel-gateway/sdks/go" // package channel
//
//	CHANNEL_GATEWAY_URL=https://gateway.example.com
//	CHANNEL_GATEWAY_API_KEY=<one of the gateway's CG_API_KEYS>
//
// Create, Send and SendJSON keep App Engine's signatures: Create(ctx, clientID) returns the token the
// browser opens its socket with, Send(ctx, clientID, msg) delivers a string, SendJSON(ctx, clientID, v)
// delivers v encoded with encoding/json. Create takes options (WithDuration) that App Engine's lacked.
//
// Callers who want the gateway's answer (StatusRouted, StatusQueued or StatusNoChannel) use a Client,
// whose methods return it; the package-level functions use a default Client configured from the
// environment or by Configure. SendToToken sends to the token Create returned, as App Engine's Send
// accepted, and SendBatch sends up to MaxBatchSize messages in one request.
//
// Every call honours its context's deadline and cancellation. Network errors, timeouts of a single
// attempt and answers 502, 503 and 504 are retried with jittered exponential backoff while the deadline
// allows; sends carry an Idempotency-Key header (generated once per call, or given with
// WithIdempotencyKey) so that a retried send is delivered once.
//
// Failures are errors that errors.Is and errors.As understand: arguments refused before any request
// (and the gateway's own 400 answers) match ErrInvalidClientID, ErrInvalidDuration, ErrInvalidMessage or
// ErrInvalidToken; every gateway answer other than success is an *Error with the HTTP status and the
// gateway's error code; a call that got no answer at all is a *RequestError wrapping the cause
// (for example context.DeadlineExceeded or a *net.OpError).
//
// Presence webhooks (POST /_ah/channel/connected/ and /_ah/channel/disconnected/) are signed by the
// gateway. ParsePresence verifies a request and returns its client ID; PresenceHandler wraps that in an
// http.Handler; RequireSignature protects existing App Engine handlers that read r.FormValue("from").
package channel

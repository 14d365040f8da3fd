package channel_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	channel "github.com/channel-gateway/channel-gateway/sdks/go"
)

var hexKey = regexp.MustCompile(`^[0-9a-f]{32}$`)

// A gateway that never answers: the call ends at the context's deadline, not later, and says why.
func TestDeadlineOfTheContextEndsTheCall(t *testing.T) {
	c, requests, _ := hangingGateway(t, channel.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	deadline, _ := ctx.Deadline()
	_, err := c.Send(ctx, "a", "m")
	returned := time.Now()

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	var reqErr *channel.RequestError
	if !errors.As(err, &reqErr) || reqErr.Attempts != 1 || reqErr.Method != http.MethodPost {
		t.Fatalf("got %#v, want a *RequestError after 1 attempt", err)
	}
	// Measured against the context's own deadline: a clock read taken after WithTimeout
	// would make a return exactly at the deadline look early.
	if returned.Before(deadline) || returned.Sub(deadline) > 1700*time.Millisecond {
		t.Fatalf("returned %v after the deadline, want at it or just after", returned.Sub(deadline))
	}
	if n := requests(); n != 1 {
		t.Fatalf("the gateway got %d requests, want 1", n)
	}
}

// Without a deadline in the context, Config.Timeout bounds the call.
func TestConfigTimeoutBoundsACallWithoutDeadline(t *testing.T) {
	c, _, _ := hangingGateway(t, channel.Config{Timeout: 200 * time.Millisecond})
	done := make(chan error, 1)
	go func() { _, err := c.CreateChannel(context.Background(), "a"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call was still waiting after 5s; Timeout is 200ms")
	}
}

func TestCancelEndsTheCall(t *testing.T) {
	c, _, arrived := hangingGateway(t, channel.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.SendBatch(ctx, []channel.Message{{ClientID: "a", Data: "m"}}); done <- err }()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the request never arrived")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not end when its context was cancelled")
	}
}

// A gateway that is down: every attempt is refused, the call retries MaxAttempts times, then reports
// the refusal, well within the deadline.
func TestUnreachableGatewayIsRetriedThenReported(t *testing.T) {
	c, err := channel.NewClient(channel.Config{URL: "http://" + closedAddress(t), APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	started := time.Now()
	_, err = c.Send(ctx, "a", "m")
	elapsed := time.Since(started)

	var reqErr *channel.RequestError
	if !errors.As(err, &reqErr) || reqErr.Attempts != channel.DefaultMaxAttempts {
		t.Fatalf("got %v, want a *RequestError after %d attempts", err, channel.DefaultMaxAttempts)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want ECONNREFUSED", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("got %v, want a *net.OpError inside", err)
	}
	// Three pauses of at most 100, 200 and 400 ms, and each at least half of that.
	if elapsed < 350*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("returned after %v, want between 350ms and a few seconds", elapsed)
	}
}

// Retrying stops when the next pause would outlast the deadline: the refusal is reported at once
// rather than a DeadlineExceeded later.
func TestRetriesStopBeforeTheDeadline(t *testing.T) {
	c, err := channel.NewClient(channel.Config{URL: "http://" + closedAddress(t), APIKey: "k", MaxAttempts: 50})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1*time.Second)
	defer cancel()
	started := time.Now()
	_, err = c.Send(ctx, "a", "m")
	var reqErr *channel.RequestError
	if !errors.As(err, &reqErr) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want a refusal", err)
	}
	if reqErr.Attempts < 3 || reqErr.Attempts >= 50 {
		t.Fatalf("%d attempts, want several and fewer than 50", reqErr.Attempts)
	}
	if elapsed := time.Since(started); elapsed >= time.Second {
		t.Fatalf("returned after %v, after the deadline", elapsed)
	}
}

// 503 (Redis unreachable) is retried with the same Idempotency-Key, so the gateway can deliver once.
func TestUnavailableIsRetriedWithTheSameIdempotencyKey(t *testing.T) {
	gw := newFakeGateway(t, func(n int, w http.ResponseWriter) {
		if n < 2 {
			writeJSON(w, 503, `{"error":{"code":"unavailable","message":"the gateway cannot reach Redis; try again"}}`)
			return
		}
		writeJSON(w, 202, `{"status":"routed"}`)
	})
	status, err := gw.client(t, channel.Config{APIKey: "secret-key"}).Send(context.Background(), "user/42 é", "hello")
	if err != nil || status != channel.StatusRouted {
		t.Fatalf("got %q, %v; want routed", status, err)
	}
	got := gw.received()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	key := got[0].Header.Get("Idempotency-Key")
	if !hexKey.MatchString(key) {
		t.Fatalf("Idempotency-Key %q is not 128 random bits in hex", key)
	}
	for i, r := range got {
		if r.Header.Get("Idempotency-Key") != key {
			t.Errorf("attempt %d has key %q, want %q", i, r.Header.Get("Idempotency-Key"), key)
		}
		if r.Method != http.MethodPost || r.EscapedPath != "/v1/channels/user%2F42%20%C3%A9/messages" {
			t.Errorf("attempt %d: %s %s", i, r.Method, r.EscapedPath)
		}
		if r.Header.Get("Authorization") != "Bearer secret-key" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("attempt %d headers: %v", i, r.Header)
		}
		if r.Body["message"] != "hello" {
			t.Errorf("attempt %d body: %v", i, r.Body)
		}
	}
}

func TestEachCallHasItsOwnKeyUnlessGiven(t *testing.T) {
	gw := newFakeGateway(t, func(_ int, w http.ResponseWriter) {
		writeJSON(w, 202, `{"results":[{"clientId":"a","status":"queued"}]}`)
	})
	c := gw.client(t, channel.Config{})
	batch := []channel.Message{{ClientID: "a", Data: "m"}}
	for _, opts := range [][]channel.SendOption{nil, nil, {channel.WithIdempotencyKey("order-7:move-3")}} {
		if _, err := c.SendBatch(context.Background(), batch, opts...); err != nil {
			t.Fatal(err)
		}
	}
	got := gw.received()
	first, second, given := got[0].Header.Get("Idempotency-Key"), got[1].Header.Get("Idempotency-Key"), got[2].Header.Get("Idempotency-Key")
	if !hexKey.MatchString(first) || !hexKey.MatchString(second) || first == second {
		t.Fatalf("generated keys %q and %q, want two different random keys", first, second)
	}
	if given != "order-7:move-3" {
		t.Fatalf("given key arrived as %q", given)
	}
}

// A gateway that stays unavailable: after MaxAttempts the caller gets the gateway's own answer.
func TestUnavailableTooLongIsTheGatewaysError(t *testing.T) {
	gw := newFakeGateway(t, func(_ int, w http.ResponseWriter) {
		writeJSON(w, 503, `{"error":{"code":"unavailable","message":"the gateway cannot reach Redis; try again"}}`)
	})
	_, err := gw.client(t, channel.Config{MaxAttempts: 3}).CreateChannel(context.Background(), "a")
	var e *channel.Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.Code != channel.CodeUnavailable || !e.Temporary() {
		t.Fatalf("got %v, want the 503 unavailable *Error", err)
	}
	if n := len(gw.received()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

// Refusals are final: a 400 is not retried, and its field maps to the sentinel.
func TestRefusalsAreNotRetried(t *testing.T) {
	gw := newFakeGateway(t, func(_ int, w http.ResponseWriter) {
		writeJSON(w, 400, `{"error":{"code":"invalid_field","message":"clientId must not contain control characters","field":"clientId"}}`)
	})
	_, err := gw.client(t, channel.Config{}).Send(context.Background(), "a", "m")
	var e *channel.Error
	if !errors.As(err, &e) || e.StatusCode != 400 || e.Field != "clientId" || e.Temporary() {
		t.Fatalf("got %v", err)
	}
	if !errors.Is(err, channel.ErrInvalidClientID) || errors.Is(err, channel.ErrInvalidMessage) {
		t.Fatalf("%v: want it to match ErrInvalidClientID only", err)
	}
	if n := len(gw.received()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// A proxy in front of the gateway may answer with HTML: the status survives, with an excerpt.
func TestAnswerThatIsNotTheGatewaysJSON(t *testing.T) {
	gw := newFakeGateway(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<html>denied by proxy</html>"))
	})
	_, err := gw.client(t, channel.Config{}).Send(context.Background(), "a", "m")
	var e *channel.Error
	if !errors.As(err, &e) || e.StatusCode != 403 || e.Code != "" {
		t.Fatalf("got %v", err)
	}
	if want := "channel: gateway answered 403: Forbidden: <html>denied by proxy</html>"; e.Error() != want {
		t.Fatalf("got %q, want %q", e.Error(), want)
	}
}

// A batch answer that does not match the request is an error, not a silent misattribution.
func TestBatchAnswerOfTheWrongLength(t *testing.T) {
	gw := newFakeGateway(t, func(_ int, w http.ResponseWriter) { writeJSON(w, 202, `{"results":[]}`) })
	_, err := gw.client(t, channel.Config{}).SendBatch(context.Background(), []channel.Message{{ClientID: "a", Data: "m"}})
	var e *channel.Error
	if !errors.As(err, &e) || e.StatusCode != 202 {
		t.Fatalf("got %v", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 5: 1600 * time.Millisecond, 6: 2 * time.Second, 40: 2 * time.Second} {
		for i := 0; i < 200; i++ {
			if got := channel.Backoff(n); got < want/2 || got >= want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v)", n, got, want/2, want)
			}
		}
	}
}

// hangingGateway accepts requests and never answers them. requests() counts those that arrived;
// arrived is closed when the first one does.
func hangingGateway(t *testing.T, cfg channel.Config) (c *channel.Client, requests func() int, arrived <-chan struct{}) {
	t.Helper()
	var count int32
	first := make(chan struct{})
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt32(&count, 1) == 1 {
			close(first)
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); server.Close() })
	cfg.URL, cfg.APIKey = server.URL, "k"
	c, err := channel.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, func() int { return int(atomic.LoadInt32(&count)) }, first
}

// closedAddress is a loopback address where nothing listens (a port just released).
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

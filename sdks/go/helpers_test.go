package channel_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	channel "github.com/channel-gateway/channel-gateway/sdks/go"
)

// recorded is one request a fake gateway received.
type recorded struct {
	Method, EscapedPath string
	Header              http.Header
	Body                map[string]interface{}
}

// fakeGateway answers with answer(n) to its n-th request (from 0) and records every request. It
// stands in for the gateway only where a real one cannot produce the answer (503s, broken proxies);
// everything else is tested against real gateway nodes in gateway_test.go.
type fakeGateway struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

func newFakeGateway(t *testing.T, answer func(n int, w http.ResponseWriter)) *fakeGateway {
	t.Helper()
	f := &fakeGateway{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{Method: r.Method, EscapedPath: r.URL.EscapedPath(), Header: r.Header.Clone()}
		_ = json.NewDecoder(r.Body).Decode(&rec.Body)
		f.mu.Lock()
		n := len(f.requests)
		f.requests = append(f.requests, rec)
		f.mu.Unlock()
		answer(n, w)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGateway) received() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func (f *fakeGateway) client(t *testing.T, cfg channel.Config) *channel.Client {
	t.Helper()
	cfg.URL = f.URL
	if cfg.APIKey == "" {
		cfg.APIKey = "unit-key"
	}
	c, err := channel.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

package channel_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	channel "github.com/channel-gateway/channel-gateway/sdks/go"
)

const secret = "webhook-secret-of-at-least-16"

// signed builds a webhook request as the gateway sends it, signed at `at` with key.
func signed(key, path, contentType string, body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://app.example"+path, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	r.Header.Set(channel.HeaderTimestamp, ts)
	r.Header.Set(channel.HeaderSignature, "v1="+hex.EncodeToString(mac.Sum(nil)))
	r.Header.Set(channel.HeaderEventID, "01JEVENT")
	r.Header.Set(channel.HeaderEventTime, strconv.FormatInt(at.Add(-time.Second).UnixMilli(), 10))
	return r
}

func urlencoded(clientID string) (string, []byte) {
	return "application/x-www-form-urlencoded", []byte(url.Values{"from": {clientID}}.Encode())
}

// multipartBody is what App Engine production (and the gateway's multipart setting) sends.
func multipartBody(t *testing.T, clientID string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("from", clientID); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func TestParsePresenceAcceptsBothFormEncodings(t *testing.T) {
	const id = "user 42/é&=+"
	now := time.Now()
	for _, tc := range []struct {
		name, path string
		connected  bool
		body       func() (string, []byte)
	}{
		{"urlencoded connected", "/_ah/channel/connected/", true, func() (string, []byte) { return urlencoded(id) }},
		{"urlencoded disconnected", "/_ah/channel/disconnected/", false, func() (string, []byte) { return urlencoded(id) }},
		{"multipart connected", "/_ah/channel/connected/", true, func() (string, []byte) { return multipartBody(t, id) }},
		{"multipart disconnected under a prefix", "/app/_ah/channel/disconnected/", false, func() (string, []byte) { return multipartBody(t, id) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := tc.body()
			p, err := channel.ParsePresence(signed(secret, tc.path, ct, body, now), secret)
			if err != nil {
				t.Fatal(err)
			}
			want := channel.Presence{ClientID: id, Connected: tc.connected, EventID: "01JEVENT", EventTime: time.UnixMilli(now.Add(-time.Second).UnixMilli())}
			if p != want {
				t.Fatalf("got %+v, want %+v", p, want)
			}
		})
	}
}

func TestParsePresenceRefusesBadSignatures(t *testing.T) {
	ct, body := urlencoded("alice")
	now := time.Now()
	cases := map[string]struct {
		request func() *http.Request
		stale   bool
	}{
		"wrong secret": {request: func() *http.Request {
			return signed("another-secret-entirely", "/_ah/channel/connected/", ct, body, now)
		}},
		"body changed after signing": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Body = io.NopCloser(strings.NewReader("from=mallory"))
			return r
		}},
		"timestamp changed after signing": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderTimestamp, strconv.FormatInt(now.UnixMilli()+1, 10))
			return r
		}},
		"no signature": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Del(channel.HeaderSignature)
			return r
		}},
		"no timestamp": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Del(channel.HeaderTimestamp)
			return r
		}},
		"signature without v1=": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderSignature, strings.TrimPrefix(r.Header.Get(channel.HeaderSignature), "v1="))
			return r
		}},
		"signature not hex": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderSignature, "v1=zz")
			return r
		}},
		"timestamp not a number": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderTimestamp, "yesterday")
			return r
		}},
		"signed 6 minutes ago": {stale: true, request: func() *http.Request {
			return signed(secret, "/_ah/channel/connected/", ct, body, now.Add(-6*time.Minute))
		}},
		"signed 6 minutes from now": {stale: true, request: func() *http.Request {
			return signed(secret, "/_ah/channel/connected/", ct, body, now.Add(6*time.Minute))
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := channel.ParsePresence(tc.request(), secret)
			if !errors.Is(err, channel.ErrInvalidSignature) {
				t.Fatalf("got %v, want ErrInvalidSignature", err)
			}
			if errors.Is(err, channel.ErrStaleSignature) != tc.stale {
				t.Fatalf("got %v; stale: want %v", err, tc.stale)
			}
		})
	}
	// Just inside the tolerance is accepted: the bound is 5 minutes, not less.
	if _, err := channel.ParsePresence(signed(secret, "/_ah/channel/connected/", ct, body, now.Add(-4*time.Minute)), secret); err != nil {
		t.Fatalf("signed 4 minutes ago: %v", err)
	}
}

func TestParsePresenceRefusesWhatIsNotAPresenceWebhook(t *testing.T) {
	now := time.Now()
	ct, body := urlencoded("alice")
	cases := map[string]*http.Request{
		"no from field":       signed(secret, "/_ah/channel/connected/", ct, []byte("to=alice"), now),
		"empty from field":    signed(secret, "/_ah/channel/connected/", ct, []byte("from="), now),
		"an unknown path":     signed(secret, "/_ah/channel/other/", ct, body, now),
		"JSON body":           signed(secret, "/_ah/channel/connected/", "application/json", []byte(`{"from":"alice"}`), now),
		"multipart, no bound": signed(secret, "/_ah/channel/connected/", "multipart/form-data", body, now),
	}
	mismatch := signed(secret, "/_ah/channel/connected/", ct, body, now)
	mismatch.Header.Set(channel.HeaderEvent, "disconnected")
	cases["path and X-Channel-Event disagree"] = mismatch
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := channel.ParsePresence(r, secret); !errors.Is(err, channel.ErrInvalidPresence) || errors.Is(err, channel.ErrInvalidSignature) {
				t.Fatalf("got %v, want ErrInvalidPresence", err)
			}
		})
	}
	// Without a telling path, X-Channel-Event decides.
	r := signed(secret, "/webhooks", ct, body, now)
	r.Header.Set(channel.HeaderEvent, "disconnected")
	if p, err := channel.ParsePresence(r, secret); err != nil || p.Connected || p.ClientID != "alice" {
		t.Fatalf("got %+v, %v", p, err)
	}
}

// An empty secret means CHANNEL_GATEWAY_WEBHOOK_SECRET, as in the other runtimes' SDKs.
func TestWebhookSecretFromEnvironment(t *testing.T) {
	ct, body := urlencoded("alice")
	t.Setenv(channel.EnvWebhookSecret, "")
	if _, err := channel.ParsePresence(signed(secret, "/_ah/channel/connected/", ct, body, time.Now()), ""); !errors.Is(err, channel.ErrNotConfigured) {
		t.Fatalf("no secret at all: got %v, want ErrNotConfigured", err)
	}
	t.Setenv(channel.EnvWebhookSecret, secret)
	if p, err := channel.ParsePresence(signed(secret, "/_ah/channel/connected/", ct, body, time.Now()), ""); err != nil || p.ClientID != "alice" {
		t.Fatalf("secret from the environment: %+v, %v", p, err)
	}
	if _, err := channel.ParsePresence(signed("another-secret-entirely", "/_ah/channel/connected/", ct, body, time.Now()), ""); !errors.Is(err, channel.ErrInvalidSignature) {
		t.Fatalf("got %v, want ErrInvalidSignature", err)
	}
}

func TestPresenceHandler(t *testing.T) {
	ct, body := multipartBody(t, "bob")
	var got []channel.Presence
	fail := false
	h := channel.PresenceHandler(secret, func(_ context.Context, p channel.Presence) error {
		got = append(got, p)
		if fail {
			return fmt.Errorf("database down")
		}
		return nil
	})
	serve := func(r *http.Request) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := serve(signed(secret, "/_ah/channel/disconnected/", ct, body, time.Now())); code != http.StatusNoContent {
		t.Fatalf("answered %d, want 204", code)
	}
	if len(got) != 1 || got[0].ClientID != "bob" || got[0].Connected {
		t.Fatalf("handled %+v", got)
	}
	if code := serve(signed("wrong-secret-wrong-secret", "/_ah/channel/disconnected/", ct, body, time.Now())); code != http.StatusUnauthorized {
		t.Fatalf("bad signature answered %d, want 401", code)
	}
	if code := serve(signed(secret, "/_ah/channel/disconnected/", ct, []byte("garbage"), time.Now())); code != http.StatusBadRequest {
		t.Fatalf("bad body answered %d, want 400", code)
	}
	if code := serve(httptest.NewRequest(http.MethodGet, "/_ah/channel/connected/", nil)); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET answered %d, want 405", code)
	}
	fail = true
	if code := serve(signed(secret, "/_ah/channel/connected/", ct, body, time.Now())); code != http.StatusInternalServerError {
		t.Fatalf("a failing handler answered %d, want 500 (so the gateway retries)", code)
	}
	if len(got) != 2 {
		t.Fatalf("handle ran %d times, want 2 (only for verified webhooks)", len(got))
	}
}

// An App Engine handler that reads r.FormValue("from") works unchanged behind RequireSignature, for
// either body format.
func TestRequireSignatureKeepsTheBodyForGAEHandlers(t *testing.T) {
	var from []string
	gaeHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from = append(from, r.FormValue("from"))
	})
	h := channel.RequireSignature(secret, gaeHandler)
	uct, ubody := urlencoded("carol")
	mct, mbody := multipartBody(t, "dave")
	for _, r := range []*http.Request{
		signed(secret, "/_ah/channel/connected/", uct, ubody, time.Now()),
		signed(secret, "/_ah/channel/connected/", mct, mbody, time.Now()),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("answered %d", w.Code)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signed(secret, "/_ah/channel/connected/", uct, ubody, time.Now().Add(-time.Hour)))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("a stale webhook answered %d, want 401", w.Code)
	}
	if strings.Join(from, ",") != "carol,dave" {
		t.Fatalf("the GAE handler read %q", from)
	}
}

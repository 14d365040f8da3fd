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

// hmacHex is the hex HMAC-SHA256 of text under key.
func hmacHex(key string, text ...[]byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	for _, part := range text {
		mac.Write(part)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// signed builds a webhook request as the gateway sends it, signed at `at` with key for the event its
// path names (connected if none): v2 over "v2.<ts>.<event>.<event id>.<body>", and v1 over "<ts>.<body>".
func signed(key, path, contentType string, body []byte, at time.Time) *http.Request {
	event := "connected"
	if strings.Contains(path, "/disconnected") {
		event = "disconnected"
	}
	return signedEvent(key, event, path, contentType, body, at)
}

func signedEvent(key, event, path, contentType string, body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://app.example"+path, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	r.Header.Set(channel.HeaderTimestamp, ts)
	r.Header.Set(channel.HeaderSignature, "v1="+hmacHex(key, []byte(ts+"."), body))
	r.Header.Set(channel.HeaderSignatureV2, "v2="+hmacHex(key, []byte("v2."+ts+"."+event+".01JEVENT."), body))
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
		"no v2 signature (v1 only)": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Del(channel.HeaderSignatureV2)
			return r
		}},
		"v1 in the v2 header": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderSignatureV2, r.Header.Get(channel.HeaderSignature))
			return r
		}},
		"both in one header": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderSignatureV2, r.Header.Get(channel.HeaderSignature)+","+r.Header.Get(channel.HeaderSignatureV2))
			return r
		}},
		"signed for the other event": {request: func() *http.Request {
			return signedEvent(secret, "disconnected", "/_ah/channel/connected/", ct, body, now)
		}},
		"another event ID": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderEventID, "01JEVENT2")
			return r
		}},
		"no event ID": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Del(channel.HeaderEventID)
			return r
		}},
		"no timestamp": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Del(channel.HeaderTimestamp)
			return r
		}},
		"signature without v2=": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderSignatureV2, strings.TrimPrefix(r.Header.Get(channel.HeaderSignatureV2), "v2="))
			return r
		}},
		"signature not hex": {request: func() *http.Request {
			r := signed(secret, "/_ah/channel/connected/", ct, body, now)
			r.Header.Set(channel.HeaderSignatureV2, "v2=zz")
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
	// Without a telling path, X-Channel-Event decides; v2 covers it, so rewriting it breaks the signature.
	r := signedEvent(secret, "disconnected", "/webhooks", ct, body, now)
	r.Header.Set(channel.HeaderEvent, "disconnected")
	if p, err := channel.ParsePresence(r, secret); err != nil || p.Connected || p.ClientID != "alice" {
		t.Fatalf("got %+v, %v", p, err)
	}
	r = signedEvent(secret, "disconnected", "/webhooks", ct, body, now)
	r.Header.Set(channel.HeaderEvent, "connected")
	if _, err := channel.ParsePresence(r, secret); !errors.Is(err, channel.ErrInvalidSignature) {
		t.Fatalf("X-Channel-Event rewritten: got %v, want ErrInvalidSignature", err)
	}
}

// A connected delivery replayed to the disconnected path (X-Channel-Event rewritten to match, or not)
// is refused by every entry point, RequireSignature included.
func TestReplayToTheOtherEventIsRefused(t *testing.T) {
	ct, body := urlencoded("alice")
	replay := func(rewriteEvent bool) *http.Request {
		genuine := signedEvent(secret, "connected", "/_ah/channel/connected/", ct, body, time.Now())
		genuine.Header.Set(channel.HeaderEvent, "connected")
		r := httptest.NewRequest(http.MethodPost, "http://app.example/_ah/channel/disconnected/", bytes.NewReader(body))
		r.Header = genuine.Header.Clone()
		if rewriteEvent {
			r.Header.Set(channel.HeaderEvent, "disconnected")
		}
		return r
	}
	for _, rewrite := range []bool{false, true} {
		if _, err := channel.ParsePresence(replay(rewrite), secret); err == nil {
			t.Errorf("ParsePresence accepted a replay (X-Channel-Event rewritten: %v)", rewrite)
		}
		w := httptest.NewRecorder()
		channel.RequireSignature(secret, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Errorf("RequireSignature let a replay through (X-Channel-Event rewritten: %v)", rewrite)
		})).ServeHTTP(w, replay(rewrite))
		if w.Code < 400 {
			t.Errorf("RequireSignature answered %d to a replay", w.Code)
		}
		if err := channel.VerifyEventSignature(secret, "disconnected", replay(rewrite).Header, body); !errors.Is(err, channel.ErrInvalidSignature) {
			t.Errorf("VerifyEventSignature: got %v, want ErrInvalidSignature", err)
		}
	}
	if err := channel.VerifyEventSignature(secret, "connected", replay(false).Header, body); err != nil {
		t.Errorf("the genuine delivery for its own event: %v", err)
	}
}

// The fixed vector of packages/protocol/test/webhooks.test.ts (computed with Python's hmac).
func TestSignatureV2FixedVector(t *testing.T) {
	h := http.Header{}
	h.Set(channel.HeaderTimestamp, "1780000000000")
	h.Set(channel.HeaderEventID, "42")
	h.Set(channel.HeaderSignatureV2, "v2=22df771e04c0e2420a2bb362d44651b083e11ff4f6992e33c8ab942dfcee5955")
	at := time.UnixMilli(1780000000000)
	if err := channel.VerifyEventSignatureAt("a-webhook-secret", "connected", h, []byte("from=alice"), at); err != nil {
		t.Fatal(err)
	}
	if err := channel.VerifyEventSignatureAt("a-webhook-secret", "disconnected", h, []byte("from=alice"), at); !errors.Is(err, channel.ErrInvalidSignature) {
		t.Fatalf("the other event: got %v", err)
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

// A delivery that comes again with the same event ID (a retry whose answer was lost, or a replay inside
// the window) is answered 204 without calling handle again; one whose handle failed is handled again.
func TestPresenceHandlerHandlesAnEventIDOnce(t *testing.T) {
	ct, body := urlencoded("erin")
	calls := 0
	fail := true
	h := channel.PresenceHandler(secret, func(context.Context, channel.Presence) error {
		calls++
		if fail {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	at := time.Now()
	serve := func(r *http.Request) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := serve(signed(secret, "/_ah/channel/connected/", ct, body, at)); code != http.StatusInternalServerError {
		t.Fatalf("failing handle answered %d", code)
	}
	fail = false
	for i := 0; i < 3; i++ {
		if code := serve(signed(secret, "/_ah/channel/connected/", ct, body, at.Add(time.Duration(i)*time.Second))); code != http.StatusNoContent {
			t.Fatalf("delivery %d answered %d", i, code)
		}
	}
	if calls != 2 {
		t.Fatalf("handle ran %d times, want 2 (the failed attempt, then once)", calls)
	}
	// The other event of the same ID and client is another event.
	if code := serve(signed(secret, "/_ah/channel/disconnected/", ct, body, at)); code != http.StatusNoContent || calls != 3 {
		t.Fatalf("disconnected: %d, handle ran %d times", code, calls)
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

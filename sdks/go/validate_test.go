package channel_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	channel "github.com/channel-gateway/channel-gateway/sdks/go"
)

// Bad arguments fail before any request, with the sentinel of App Engine's exception and the field.
func TestBadArgumentsFailLocally(t *testing.T) {
	gw := newFakeGateway(t, func(int, http.ResponseWriter) { t.Error("a request was sent") })
	c := gw.client(t, channel.Config{})
	ctx := context.Background()
	long := strings.Repeat("é", channel.MaxClientIDLength/2) + "x" // 257 bytes, 129 characters

	cases := []struct {
		name  string
		call  func() error
		is    error
		field string
	}{
		{"empty client ID", func() error { _, err := c.Send(ctx, "", "m"); return err }, channel.ErrInvalidClientID, "clientId"},
		{"client ID over 256 bytes", func() error { _, err := c.CreateChannel(ctx, long); return err }, channel.ErrInvalidClientID, "clientId"},
		{"client ID with a control character", func() error { _, err := c.Send(ctx, "a\nb", "m"); return err }, channel.ErrInvalidClientID, "clientId"},
		{"client ID with a C1 control character", func() error { _, err := c.Send(ctx, "a\u0085b", "m"); return err }, channel.ErrInvalidClientID, "clientId"},
		{"client ID not UTF-8", func() error { _, err := c.Send(ctx, "a\xffb", "m"); return err }, channel.ErrInvalidClientID, "clientId"},
		{"delete with an empty client ID", func() error { _, err := c.DeleteChannel(ctx, ""); return err }, channel.ErrInvalidClientID, "clientId"},
		{"duration of zero", func() error { _, err := c.CreateChannel(ctx, "a", channel.WithDuration(0)); return err }, channel.ErrInvalidDuration, "durationMinutes"},
		{"duration not whole minutes", func() error { _, err := c.CreateChannel(ctx, "a", channel.WithDuration(90*time.Second)); return err }, channel.ErrInvalidDuration, "durationMinutes"},
		{"duration over 1440 minutes", func() error {
			_, err := c.CreateChannel(ctx, "a", channel.WithDuration(channel.MaxDuration+time.Minute))
			return err
		}, channel.ErrInvalidDuration, "durationMinutes"},
		{"message over 32767 bytes", func() error {
			_, err := c.Send(ctx, "a", strings.Repeat("x", channel.MaxMessageLength+1))
			return err
		}, channel.ErrInvalidMessage, "message"},
		{"message not UTF-8", func() error { _, err := c.Send(ctx, "a", "\xc3"); return err }, channel.ErrInvalidMessage, "message"},
		{"JSON over 32767 bytes", func() error {
			_, err := c.SendJSON(ctx, "a", strings.Repeat("x", channel.MaxMessageLength))
			return err
		}, channel.ErrInvalidMessage, "message"},
		{"empty token", func() error { _, err := c.SendToToken(ctx, "", "m"); return err }, channel.ErrInvalidToken, "token"},
		{"token with a control character", func() error { _, err := c.SendToToken(ctx, "t\x00", "m"); return err }, channel.ErrInvalidToken, "token"},
		{"token over 512 characters", func() error {
			_, err := c.SendToToken(ctx, strings.Repeat("t", 511)+"🙂", "m")
			return err
		}, channel.ErrInvalidToken, "token"},
		{"message by token not UTF-8", func() error { _, err := c.SendToToken(ctx, "t", "\xff"); return err }, channel.ErrInvalidMessage, "message"},
		{"batch item with a bad token", func() error {
			_, err := c.SendBatch(ctx, []channel.Message{{Token: "t\n", Data: "m"}})
			return err
		}, channel.ErrInvalidToken, "messages[0].token"},
		{"batch item with both client ID and token", func() error {
			_, err := c.SendBatch(ctx, []channel.Message{{ClientID: "a", Token: "t", Data: "m"}})
			return err
		}, nil, "messages[0]"},
		{"batch item with neither", func() error { _, err := c.SendBatch(ctx, []channel.Message{{Data: "m"}}); return err }, nil, "messages[0]"},
		{"batch with a bad second item", func() error {
			_, err := c.SendBatch(ctx, []channel.Message{{ClientID: "a", Data: "ok"}, {ClientID: "b", Data: "\xff"}})
			return err
		}, channel.ErrInvalidMessage, "messages[1].message"},
		{"empty batch", func() error { _, err := c.SendBatch(ctx, nil); return err }, nil, "messages"},
		{"batch over 1000", func() error {
			_, err := c.SendBatch(ctx, make([]channel.Message, channel.MaxBatchSize+1))
			return err
		}, nil, "messages"},
		{"empty idempotency key", func() error {
			_, err := c.Send(ctx, "a", "m", channel.WithIdempotencyKey(""))
			return err
		}, nil, "idempotencyKey"},
		{"idempotency key with a space", func() error {
			_, err := c.Send(ctx, "a", "m", channel.WithIdempotencyKey("a b"))
			return err
		}, nil, "idempotencyKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *channel.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want a *channel.Error", err, err)
			}
			if e.StatusCode != 0 || e.Code != channel.CodeInvalidField || e.Field != tc.field {
				t.Errorf("got %+v, want status 0, code %s, field %s", e, channel.CodeInvalidField, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.is)
			}
			for _, other := range []error{channel.ErrInvalidClientID, channel.ErrInvalidDuration, channel.ErrInvalidMessage, channel.ErrInvalidToken} {
				if other != tc.is && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
		})
	}
	if n := len(gw.received()); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

// A value encoding/json refuses is ErrInvalidMessage, and the json error is still there to inspect.
func TestSendJSONUnencodableValue(t *testing.T) {
	gw := newFakeGateway(t, func(int, http.ResponseWriter) { t.Error("a request was sent") })
	_, err := gw.client(t, channel.Config{}).SendJSON(context.Background(), "a", map[string]interface{}{"f": func() {}})
	if !errors.Is(err, channel.ErrInvalidMessage) {
		t.Fatalf("got %v, want ErrInvalidMessage", err)
	}
	var jsonErr *json.UnsupportedTypeError
	if !errors.As(err, &jsonErr) {
		t.Fatalf("got %v, want it to wrap a *json.UnsupportedTypeError", err)
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	for _, cfg := range []channel.Config{
		{},
		{URL: "http://127.0.0.1:1"},
		{APIKey: "k"},
		{URL: "127.0.0.1:8080", APIKey: "k"},
		{URL: "ftp://gateway", APIKey: "k"},
		{URL: "http://gateway/?x=1", APIKey: "k"},
	} {
		if _, err := channel.NewClient(cfg); !errors.Is(err, channel.ErrNotConfigured) {
			t.Errorf("NewClient(%+v) = %v, want ErrNotConfigured", cfg, err)
		}
	}
	if _, err := channel.NewClient(channel.Config{URL: "http://g", APIKey: "k", MaxAttempts: -1}); err == nil {
		t.Error("a negative MaxAttempts was accepted")
	}
}

// The package-level functions read CHANNEL_GATEWAY_URL and CHANNEL_GATEWAY_API_KEY, and say so when
// they are missing.
func TestDefaultClientFromEnvironment(t *testing.T) {
	t.Cleanup(channel.ResetDefaultClient)
	channel.ResetDefaultClient()
	t.Setenv(channel.EnvURL, "")
	t.Setenv(channel.EnvAPIKey, "")
	err := channel.Send(context.Background(), "a", "m")
	if !errors.Is(err, channel.ErrNotConfigured) || !strings.Contains(err.Error(), channel.EnvURL) {
		t.Fatalf("got %v, want ErrNotConfigured naming %s", err, channel.EnvURL)
	}

	gw := newFakeGateway(t, func(_ int, w http.ResponseWriter) { writeJSON(w, 202, `{"status":"queued"}`) })
	t.Setenv(channel.EnvURL, gw.URL+"/")
	t.Setenv(channel.EnvAPIKey, "from-env")
	if err := channel.Send(context.Background(), "a", "m"); err != nil {
		t.Fatal(err)
	}
	got := gw.received()
	if len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer from-env" || got[0].EscapedPath != "/v1/channels/a/messages" {
		t.Fatalf("got %+v", got)
	}
}

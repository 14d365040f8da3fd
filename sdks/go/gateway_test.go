package channel_test

// Tests against a real gateway cluster (two nodes on one Redis, and a node sending multipart
// webhooks), started by test/sdks/go.test.ts, which passes it in the environment. Every TestGateway…
// test, and only those, needs it:
//
//	CHANNEL_GATEWAY_TEST_URLS            the nodes' base URLs, comma-separated (at least two)
//	CHANNEL_GATEWAY_API_KEY              an API key of the cluster
//	CHANNEL_GATEWAY_TEST_WEBHOOK_SECRET  the cluster's CG_WEBHOOK_SECRET
//	CHANNEL_GATEWAY_TEST_SOCKET          {"clientId","token"} of a channel whose socket the runner holds
//	                                     open on the first node; it checks afterwards what it received
//	CHANNEL_GATEWAY_TEST_WEBHOOKS        a JSON file of the webhook requests the runner received, each
//	                                     with the client ID and event it must yield
//
// Without them these tests fail. `go test -short` is the unit-only mode: it skips them and runs the
// rest, which need no gateway.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	channel "github.com/channel-gateway/channel-gateway/sdks/go"
)

type cluster struct {
	urls   []string
	nodes  []*channel.Client // one client per node
	apiKey string
	secret string
	socket struct {
		ClientID string `json:"clientId"`
		Token    string `json:"token"`
	}
	webhooksFile string
}

func requireCluster(t *testing.T) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("unit-only mode (-short): no gateway")
	}
	get := func(name string) string {
		value := strings.TrimSpace(os.Getenv(name))
		if value == "" {
			t.Fatalf("%s is not set: these tests need a gateway cluster; run them through "+
				"`npx vitest run test/sdks/go.test.ts`, or use `go test -short` for the unit tests only", name)
		}
		return value
	}
	c := &cluster{urls: strings.Split(get("CHANNEL_GATEWAY_TEST_URLS"), ","), apiKey: get(channel.EnvAPIKey), secret: get("CHANNEL_GATEWAY_TEST_WEBHOOK_SECRET")}
	if len(c.urls) < 2 {
		t.Fatalf("CHANNEL_GATEWAY_TEST_URLS has %d URL, want two nodes", len(c.urls))
	}
	if err := json.Unmarshal([]byte(get("CHANNEL_GATEWAY_TEST_SOCKET")), &c.socket); err != nil || c.socket.ClientID == "" || c.socket.Token == "" {
		t.Fatalf("CHANNEL_GATEWAY_TEST_SOCKET must be {\"clientId\",\"token\"}: %v", err)
	}
	c.webhooksFile = get("CHANNEL_GATEWAY_TEST_WEBHOOKS")
	for _, u := range c.urls {
		node, err := channel.NewClient(channel.Config{URL: u, APIKey: c.apiKey, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, node)
	}
	return c
}

func uniqueClientID(t *testing.T, prefix string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b[:])
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestGatewayCreate(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	id := uniqueClientID(t, "go-create")
	before := time.Now()
	ch, err := c.nodes[0].CreateChannel(ctx, id, channel.WithDuration(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if ch.ClientID != id || len(ch.Token) < 22 {
		t.Fatalf("got %+v", ch)
	}
	if lo, hi := before.Add(5*time.Minute-2*time.Second), time.Now().Add(5*time.Minute+2*time.Second); ch.ExpiresAt.Before(lo) || ch.ExpiresAt.After(hi) {
		t.Fatalf("expires at %v, want about 5 minutes from now", ch.ExpiresAt)
	}
	def, err := c.nodes[1].CreateChannel(ctx, uniqueClientID(t, "go-create"))
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(def.ExpiresAt); left < channel.DefaultDuration-time.Minute || left > channel.DefaultDuration+2*time.Second {
		t.Fatalf("default lifetime %v, want %v", left, channel.DefaultDuration)
	}
	// The channel exists for the whole cluster: the other node answers queued, not no_channel.
	if status, err := c.nodes[1].Send(ctx, id, "x"); err != nil || status != channel.StatusQueued {
		t.Fatalf("send via the other node: %q, %v", status, err)
	}
}

// App Engine's own calls, on the default client.
func TestGatewayPackageFunctions(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	t.Cleanup(channel.ResetDefaultClient)
	if err := channel.Configure(channel.Config{URL: c.urls[1], APIKey: c.apiKey}); err != nil {
		t.Fatal(err)
	}
	id := uniqueClientID(t, "go-pkg")
	token, err := channel.Create(ctx, id, channel.WithDuration(time.Hour))
	if err != nil || token == "" {
		t.Fatalf("Create: %q, %v", token, err)
	}
	if err := channel.Send(ctx, id, "plain"); err != nil {
		t.Fatal(err)
	}
	if err := channel.SendJSON(ctx, id, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	// No channel is not an error, as with App Engine.
	if err := channel.Send(ctx, uniqueClientID(t, "go-nobody"), "lost"); err != nil {
		t.Fatal(err)
	}
	if _, err := channel.Create(ctx, id, channel.WithDuration(25*time.Hour)); !errors.Is(err, channel.ErrInvalidDuration) {
		t.Fatalf("got %v, want ErrInvalidDuration", err)
	}
}

func TestGatewaySendStatuses(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	id := uniqueClientID(t, "go-send")
	if _, err := c.nodes[0].CreateChannel(ctx, id); err != nil {
		t.Fatal(err)
	}
	for name, msg := range map[string]string{
		"short":                   "hello ✓",
		"empty":                   "",
		"32767 bytes":             strings.Repeat("x", channel.MaxMessageLength),
		"32767 bytes, multi-byte": strings.Repeat("€", channel.MaxMessageLength/3) + strings.Repeat("x", channel.MaxMessageLength%3),
	} {
		if status, err := c.nodes[1].Send(ctx, id, msg); err != nil || status != channel.StatusQueued {
			t.Errorf("%s: %q, %v; want queued", name, status, err)
		}
	}
	if status, err := c.nodes[1].SendJSON(ctx, id, struct {
		Move string `json:"move"`
	}{"e4"}); err != nil || status != channel.StatusQueued {
		t.Errorf("SendJSON: %q, %v; want queued", status, err)
	}
	if status, err := c.nodes[0].Send(ctx, uniqueClientID(t, "go-nobody"), "m"); err != nil || status != channel.StatusNoChannel {
		t.Errorf("unknown client: %q, %v; want no_channel", status, err)
	}
}

// Client IDs the gateway accepts arrive as given, whatever they contain: the path is escaped right.
// ("." and ".." are left out: the gateway's GET and DELETE routes resolve them as dot segments, a
// gateway bug reported with this SDK.)
func TestGatewayClientIDsOfEveryShape(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	suffix := uniqueClientID(t, "")
	for _, id := range []string{
		"a/b c?d#e%f+g&h=i;j" + suffix,
		"日本語🙂" + suffix,
		longestClientID(suffix),
	} {
		if len(id) > channel.MaxClientIDLength {
			t.Fatalf("test bug: %d bytes", len(id))
		}
		if _, err := c.nodes[0].CreateChannel(ctx, id); err != nil {
			t.Errorf("create %q: %v", id, err)
			continue
		}
		if status, err := c.nodes[1].Send(ctx, id, "m"); err != nil || status != channel.StatusQueued {
			t.Errorf("send to %q: %q, %v; want queued", id, status, err)
		}
		if deleted, err := c.nodes[1].DeleteChannel(ctx, id); err != nil || !deleted {
			t.Errorf("delete %q: %v, %v", id, deleted, err)
		}
		if status, err := c.nodes[0].Send(ctx, id, "m"); err != nil || status != channel.StatusNoChannel {
			t.Errorf("send to deleted %q: %q, %v; want no_channel", id, status, err)
		}
	}
	if deleted, err := c.nodes[0].DeleteChannel(ctx, uniqueClientID(t, "go-nobody")); err != nil || deleted {
		t.Errorf("delete of nothing: %v, %v; want false, nil", deleted, err)
	}
}

func TestGatewayBatch(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	live := uniqueClientID(t, "go-batch")
	if _, err := c.nodes[0].CreateChannel(ctx, live); err != nil {
		t.Fatal(err)
	}
	nobody := uniqueClientID(t, "go-nobody")
	results, err := c.nodes[1].SendBatch(ctx, []channel.Message{
		{ClientID: live, Data: "one"},
		{ClientID: nobody, Data: "two"},
		{ClientID: live, Data: "three"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []channel.Result{{ClientID: live, Status: channel.StatusQueued}, {ClientID: nobody, Status: channel.StatusNoChannel}, {ClientID: live, Status: channel.StatusQueued}}
	if len(results) != len(want) {
		t.Fatalf("got %+v", results)
	}
	for i := range want {
		if results[i] != want[i] {
			t.Errorf("result %d: %+v, want %+v", i, results[i], want[i])
		}
	}
	full := make([]channel.Message, channel.MaxBatchSize)
	for i := range full {
		full[i] = channel.Message{ClientID: nobody, Data: "m"}
	}
	if results, err := c.nodes[0].SendBatch(ctx, full); err != nil || len(results) != channel.MaxBatchSize {
		t.Fatalf("a batch of %d: %d results, %v", channel.MaxBatchSize, len(results), err)
	}
}

// Sending by token, as App Engine's Send accepted the token in place of the client ID.
func TestGatewaySendToToken(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	id := uniqueClientID(t, "go-token")
	ch, err := c.nodes[0].CreateChannel(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.nodes[1].SendToToken(ctx, ch.Token, "by token")
	if err != nil || got != (channel.Result{ClientID: id, Status: channel.StatusQueued}) {
		t.Fatalf("live token: %+v, %v; want %s queued", got, err, id)
	}
	if got, err := c.nodes[1].SendToToken(ctx, "not-a-token-the-gateway-issued", "m"); err != nil || got != (channel.Result{Status: channel.StatusNoChannel}) {
		t.Fatalf("unknown token: %+v, %v; want no_channel without a client ID", got, err)
	}
	results, err := c.nodes[0].SendBatch(ctx, []channel.Message{{Token: ch.Token, Data: "a"}, {ClientID: id, Data: "b"}})
	if err != nil || len(results) != 2 || results[0] != (channel.Result{ClientID: id, Status: channel.StatusQueued}) || results[1] != results[0] {
		t.Fatalf("mixed batch: %+v, %v", results, err)
	}
	// The longest token the gateway takes: passes the SDK's check, and is simply not live.
	if got, err := c.nodes[0].SendToToken(ctx, strings.Repeat("t", 512), "m"); err != nil || got != (channel.Result{Status: channel.StatusNoChannel}) {
		t.Fatalf("512-character token: %+v, %v; want no_channel", got, err)
	}
	if _, err := c.nodes[0].DeleteChannel(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got, err := c.nodes[1].SendToToken(ctx, ch.Token, "m"); err != nil || got != (channel.Result{Status: channel.StatusNoChannel}) {
		t.Fatalf("revoked token: %+v, %v; want no_channel", got, err)
	}
}

// The runner's socket is on the first node; these sends go through the second and must be routed.
// The runner checks that the socket received exactly these messages, in this order.
func TestGatewayRouted(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	id := c.socket.ClientID
	if status, err := c.nodes[1].Send(ctx, id, "go routed: Send"); err != nil || status != channel.StatusRouted {
		t.Fatalf("Send: %q, %v; want routed", status, err)
	}
	if status, err := c.nodes[1].SendJSON(ctx, id, map[string]string{"go": "SendJSON"}); err != nil || status != channel.StatusRouted {
		t.Fatalf("SendJSON: %q, %v; want routed", status, err)
	}
	results, err := c.nodes[1].SendBatch(ctx, []channel.Message{{ClientID: id, Data: "go routed: SendBatch"}})
	if err != nil || results[0].Status != channel.StatusRouted {
		t.Fatalf("SendBatch: %+v, %v; want routed", results, err)
	}
}

func TestGatewayRoutedByToken(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	got, err := c.nodes[1].SendToToken(ctx, c.socket.Token, "go routed: SendToToken")
	if err != nil || got != (channel.Result{ClientID: c.socket.ClientID, Status: channel.StatusRouted}) {
		t.Fatalf("SendToToken: %+v, %v; want routed to %s", got, err, c.socket.ClientID)
	}
}

func TestGatewayRefusals(t *testing.T) {
	c := requireCluster(t)
	ctx := testContext(t)
	wrongKey, err := channel.NewClient(channel.Config{URL: c.urls[0], APIKey: "not-" + c.apiKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrongKey.Send(ctx, "a", "m")
	var e *channel.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusUnauthorized || e.Code != channel.CodeUnauthorized || e.Temporary() {
		t.Fatalf("wrong key: %v, want 401 unauthorized", err)
	}
	// A duration the gateway refuses is refused before sending with the same sentinel.
	if _, err := c.nodes[0].CreateChannel(ctx, "a", channel.WithDuration(channel.MaxDuration+time.Minute)); !errors.Is(err, channel.ErrInvalidDuration) {
		t.Fatalf("got %v, want ErrInvalidDuration", err)
	}
}

// Webhooks the gateway really sent (the runner's sockets connecting), in both body formats, pass
// ParsePresence with the cluster's secret, and fail it when altered.
func TestGatewayWebhooks(t *testing.T) {
	c := requireCluster(t)
	raw, err := os.ReadFile(c.webhooksFile)
	if err != nil {
		t.Fatal(err)
	}
	var captured []struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
		Expect  struct {
			ClientID  string `json:"clientId"`
			Connected bool   `json:"connected"`
		} `json:"expect"`
	}
	if err := json.Unmarshal(raw, &captured); err != nil {
		t.Fatal(err)
	}
	if len(captured) == 0 {
		t.Fatal("no webhook was captured")
	}
	build := func(i int, body string) *http.Request {
		r := httptest.NewRequest(captured[i].Method, captured[i].Path, bytes.NewReader([]byte(body)))
		for name, value := range captured[i].Headers {
			r.Header.Set(name, value)
		}
		return r
	}
	formats := map[string]int{}
	for i, w := range captured {
		contentType := w.Headers["content-type"]
		formats[strings.SplitN(contentType, ";", 2)[0]]++
		p, err := channel.ParsePresence(build(i, w.Body), c.secret)
		if err != nil {
			t.Fatalf("webhook %s (%s): %v", w.Path, contentType, err)
		}
		if p.ClientID != w.Expect.ClientID || p.Connected != w.Expect.Connected || p.EventID == "" || p.EventTime.IsZero() {
			t.Errorf("webhook %s (%s): got %+v, want client %s, connected %v", w.Path, contentType, p, w.Expect.ClientID, w.Expect.Connected)
		}
		if _, err := channel.ParsePresence(build(i, w.Body+"x"), c.secret); !errors.Is(err, channel.ErrInvalidSignature) {
			t.Errorf("altered webhook %d: got %v, want ErrInvalidSignature", i, err)
		}
		if _, err := channel.ParsePresence(build(i, w.Body), c.secret+"x"); !errors.Is(err, channel.ErrInvalidSignature) {
			t.Errorf("webhook %d with another secret: got %v, want ErrInvalidSignature", i, err)
		}
		// The same delivery replayed to the other event's path, X-Channel-Event rewritten to match.
		replayed := build(i, w.Body)
		replayed.URL.Path = strings.Replace(replayed.URL.Path, "/connected/", "/disconnected/", 1)
		replayed.Header.Set(channel.HeaderEvent, "disconnected")
		if _, err := channel.ParsePresence(replayed, c.secret); !errors.Is(err, channel.ErrInvalidSignature) {
			t.Errorf("webhook %d replayed to %s: got %v, want ErrInvalidSignature", i, replayed.URL.Path, err)
		}
		tampered := build(i, w.Body)
		tampered.Header.Set(channel.HeaderEventID, tampered.Header.Get(channel.HeaderEventID)+"0")
		if _, err := channel.ParsePresence(tampered, c.secret); !errors.Is(err, channel.ErrInvalidSignature) {
			t.Errorf("webhook %d with another event ID: got %v, want ErrInvalidSignature", i, err)
		}
		v1Only := build(i, w.Body)
		if !strings.HasPrefix(v1Only.Header.Get(channel.HeaderSignature), "v1=") {
			t.Errorf("webhook %d has no v1 signature for earlier verifiers: %q", i, v1Only.Header.Get(channel.HeaderSignature))
		}
		v1Only.Header.Del(channel.HeaderSignatureV2)
		if _, err := channel.ParsePresence(v1Only, c.secret); !errors.Is(err, channel.ErrInvalidSignature) {
			t.Errorf("webhook %d with only the v1 signature: got %v, want ErrInvalidSignature", i, err)
		}
	}
	t.Logf("verified %d webhooks by body format: %v", len(captured), formats)
}

// longestClientID is MaxClientIDLength bytes: suffix, then two-byte characters, then ASCII to fill.
func longestClientID(suffix string) string {
	id := suffix
	for len(id)+len("é") <= channel.MaxClientIDLength {
		id += "é"
	}
	return id + strings.Repeat("x", channel.MaxClientIDLength-len(id))
}

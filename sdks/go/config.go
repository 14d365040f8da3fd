package channel

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Environment variables read by ConfigFromEnv (the same names in every Channel Gateway SDK).
const (
	EnvURL    = "CHANNEL_GATEWAY_URL"
	EnvAPIKey = "CHANNEL_GATEWAY_API_KEY"
)

// Defaults applied by NewClient to a Config's zero fields.
const (
	// DefaultTimeout bounds one call, retries included, when its context has no earlier deadline.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxAttempts is how many times a call is sent at most.
	DefaultMaxAttempts = 4
)

// Config configures a Client.
type Config struct {
	// URL is the gateway's base URL (or its load balancer's), e.g. "https://gateway.example.com".
	// It may end in a path prefix under which a proxy serves the gateway.
	URL string
	// APIKey is one of the gateway's CG_API_KEYS, sent as "Authorization: Bearer <key>".
	APIKey string
	// HTTPClient sends the requests; nil means a new http.Client with a default transport. Its own
	// Timeout, if set, bounds each attempt.
	HTTPClient *http.Client
	// Timeout bounds each call, retries included, when the context has no earlier deadline.
	// Zero means DefaultTimeout; a negative value means only the context bounds calls.
	Timeout time.Duration
	// MaxAttempts is how many times a call is sent at most (1: never retried). Zero means
	// DefaultMaxAttempts.
	MaxAttempts int
}

// ConfigFromEnv reads CHANNEL_GATEWAY_URL and CHANNEL_GATEWAY_API_KEY.
func ConfigFromEnv() Config {
	return Config{URL: strings.TrimSpace(os.Getenv(EnvURL)), APIKey: strings.TrimSpace(os.Getenv(EnvAPIKey))}
}

// Client talks to one gateway (or load balancer). It is safe for concurrent use; create one and reuse
// it, as it keeps connections alive.
type Client struct {
	base        string // scheme://host[/prefix], no trailing slash
	apiKey      string
	http        *http.Client
	timeout     time.Duration
	maxAttempts int
}

// NewClient checks cfg and returns a Client. An empty URL or APIKey is ErrNotConfigured.
func NewClient(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.APIKey == "" {
		return nil, fmt.Errorf("%w: set %s and %s, or give Config.URL and Config.APIKey", ErrNotConfigured, EnvURL, EnvAPIKey)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: URL must be http(s)://host[:port][/path] (got %q)", ErrNotConfigured, cfg.URL)
	}
	if cfg.MaxAttempts < 0 {
		return nil, fmt.Errorf("channel: MaxAttempts must not be negative (got %d)", cfg.MaxAttempts)
	}
	c := &Client{
		base:        strings.TrimRight(u.String(), "/"),
		apiKey:      cfg.APIKey,
		http:        cfg.HTTPClient,
		timeout:     cfg.Timeout,
		maxAttempts: cfg.MaxAttempts,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxAttempts == 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	return c, nil
}

// NewClientFromEnv is NewClient(ConfigFromEnv()).
func NewClientFromEnv() (*Client, error) { return NewClient(ConfigFromEnv()) }

// The default client of the package-level functions: set by Configure, or made from the environment
// at first use (and again at a later use if the environment was incomplete then).
var (
	defaultMu     sync.Mutex
	defaultClient *Client
)

// Configure sets the client the package-level functions use, in place of the one they would make from
// CHANNEL_GATEWAY_URL and CHANNEL_GATEWAY_API_KEY. Call it once at start-up.
func Configure(cfg Config) error {
	c, err := NewClient(cfg)
	if err != nil {
		return err
	}
	defaultMu.Lock()
	defaultClient = c
	defaultMu.Unlock()
	return nil
}

// DefaultClient returns the client the package-level functions use.
func DefaultClient() (*Client, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultClient == nil {
		c, err := NewClientFromEnv()
		if err != nil {
			return nil, err
		}
		defaultClient = c
	}
	return defaultClient, nil
}

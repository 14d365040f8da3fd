package channel

// Test hooks, compiled only into this package's tests.

// ResetDefaultClient forgets the default client so that the next call builds it again.
func ResetDefaultClient() {
	defaultMu.Lock()
	defaultClient = nil
	defaultMu.Unlock()
}

// Backoff exposes the retry pause for its bounds test.
var Backoff = backoff

package channel

import (
	"net/http"
	"time"
)

// Test hooks, compiled only into this package's tests.

// ResetDefaultClient forgets the default client so that the next call builds it again.
func ResetDefaultClient() {
	defaultMu.Lock()
	defaultClient = nil
	defaultMu.Unlock()
}

// Backoff exposes the retry pause for its bounds test.
var Backoff = backoff

// VerifyEventSignatureAt is VerifyEventSignature with a given clock, for fixed vectors.
func VerifyEventSignatureAt(secret, event string, header http.Header, body []byte, now time.Time) error {
	return verifySignature(secret, event, header.Get(HeaderEventID), header.Get(HeaderTimestamp), header.Get(HeaderSignatureV2), body, now)
}

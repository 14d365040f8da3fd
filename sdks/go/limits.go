package channel

import "time"

// Limits the gateway enforces, as App Engine's Channel API stated them. The SDK checks them before
// sending, so a call that would be refused fails without a round trip.
const (
	// MaxClientIDLength is the longest client ID, in bytes of UTF-8.
	MaxClientIDLength = 256
	// MaxMessageLength is the longest message, in bytes of UTF-8.
	MaxMessageLength = 32767
	// MinDuration is the shortest channel lifetime.
	MinDuration = time.Minute
	// MaxDuration is the longest channel lifetime (App Engine's 1440 minutes).
	MaxDuration = 24 * time.Hour
	// DefaultDuration is the lifetime of a channel created without WithDuration.
	DefaultDuration = 2 * time.Hour
	// MaxBatchSize is the most messages one SendBatch call may carry.
	MaxBatchSize = 1000
)

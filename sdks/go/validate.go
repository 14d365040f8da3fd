package channel

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// The checks below are the gateway's own rules (packages/protocol/src/limits.ts), so a call that
// passes them is not refused for its shape, and a bad one fails before anything is sent — in a batch,
// before any item is sent.

func checkClientID(id, field string) error {
	switch {
	case id == "":
		return invalidField(field, "must not be empty")
	case len(id) > MaxClientIDLength:
		return invalidField(field, fmt.Sprintf("must be at most %d bytes of UTF-8 (got %d)", MaxClientIDLength, len(id)))
	case !utf8.ValidString(id):
		return invalidField(field, "must be valid UTF-8")
	case hasControlCharacter(id):
		return invalidField(field, "must not contain control characters")
	}
	return nil
}

func checkMessage(msg, field string) error {
	switch {
	case !utf8.ValidString(msg):
		// encoding/json would replace the bad bytes with U+FFFD: the message would not arrive as given.
		return invalidField(field, "must be valid UTF-8")
	case len(msg) > MaxMessageLength:
		return invalidField(field, fmt.Sprintf("must be at most %d bytes of UTF-8 (got %d)", MaxMessageLength, len(msg)))
	}
	return nil
}

// checkToken refuses only what cannot be a token; whether it is live is the gateway's answer.
func checkToken(token, field string) error {
	switch {
	case token == "":
		return invalidField(field, "must not be empty")
	case !utf8.ValidString(token) || hasControlCharacter(token):
		return invalidField(field, "must be printable UTF-8")
	case utf16Length(token) > maxTokenLength:
		return invalidField(field, fmt.Sprintf("must be at most %d characters", maxTokenLength))
	}
	return nil
}

func checkDuration(d time.Duration) error {
	if d < MinDuration || d > MaxDuration || d%time.Minute != 0 {
		return invalidField("durationMinutes", fmt.Sprintf("must be a whole number of minutes from 1 to %d (got %v)", int(MaxDuration/time.Minute), d))
	}
	return nil
}

// maxTokenLength is the gateway's bound on a token in a send (tokens it issues are far shorter), in
// UTF-16 code units as JavaScript counts them.
const maxTokenLength = 512

func utf16Length(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}

// hasControlCharacter: U+0000…U+001F and U+007F…U+009F, as the gateway refuses in client IDs.
func hasControlCharacter(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return true
		}
	}
	return false
}

package channel

import (
	"strconv"
	"testing"
	"time"
)

// The seen-set of PresenceHandler stays bounded, oldest out first, and forgets after the window.
func TestSeenEventsAreBounded(t *testing.T) {
	var s seenEvents
	now := time.Now()
	event := func(i int) Presence { return Presence{ClientID: "c", Connected: true, EventID: strconv.Itoa(i)} }
	for i := 0; i <= maxSeenEvents; i++ {
		s.add(event(i), now)
	}
	if len(s.at) != maxSeenEvents || len(s.order) != maxSeenEvents {
		t.Fatalf("kept %d (%d in order), want %d", len(s.at), len(s.order), maxSeenEvents)
	}
	if s.has(event(0), now) || !s.has(event(1), now) || !s.has(event(maxSeenEvents), now) {
		t.Fatal("the oldest should be the one dropped")
	}
	if s.has(Presence{ClientID: "c", Connected: false, EventID: "1"}, now) || s.has(Presence{ClientID: "d", Connected: true, EventID: "1"}, now) {
		t.Fatal("another event or client with the same ID is another event")
	}
	if s.has(event(1), now.Add(2*SignatureTolerance+time.Second)) || len(s.at) != 0 {
		t.Fatalf("after the window: %d kept", len(s.at))
	}
}

package channel

import (
	"sync"
	"time"
)

// seenEvents remembers the presence events a PresenceHandler has handled, so a delivery that comes
// again (a retry whose answer was lost, or a signed request replayed inside the signature window) is
// not handled twice. An event is remembered for twice SignatureTolerance (a timestamp may be that far
// off either way), and at most maxSeenEvents are kept, the oldest dropped first: memory stays bounded
// whatever arrives, and only verified requests are ever added.
type seenEvents struct {
	mu    sync.Mutex
	at    map[string]time.Time
	order []string
}

const maxSeenEvents = 10000

// seenKey is an event: its ID, what it says and about whom (IDs from two deployments may coincide).
func seenKey(p Presence) string {
	event := "d"
	if p.Connected {
		event = "c"
	}
	return event + p.EventID + "\x00" + p.ClientID
}

func (s *seenEvents) has(p Presence, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	_, ok := s.at[seenKey(p)]
	return ok
}

func (s *seenEvents) add(p Presence, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == nil {
		s.at = map[string]time.Time{}
	}
	key := seenKey(p)
	if _, ok := s.at[key]; ok {
		return
	}
	s.expire(now)
	for len(s.order) >= maxSeenEvents {
		delete(s.at, s.order[0])
		s.order = s.order[1:]
	}
	s.at[key] = now
	s.order = append(s.order, key)
}

// expire drops what is older than the window; order is by time added.
func (s *seenEvents) expire(now time.Time) {
	for len(s.order) > 0 && now.Sub(s.at[s.order[0]]) > 2*SignatureTolerance {
		delete(s.at, s.order[0])
		s.order = s.order[1:]
	}
}

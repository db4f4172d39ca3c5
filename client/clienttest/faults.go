package clienttest

import (
	"net/http"
	"time"
)

// Fault changes how the server answers the next API calls (the token endpoint is never
// faulted), for testing how an application handles failures.
type Fault struct {
	// Count is how many calls the fault applies to; 0 means 1.
	Count int
	// Delay holds each call this long before it is handled. The wait ends early when the
	// client gives up or the server closes.
	Delay time.Duration
	// Status, when not 0, is answered instead of the real answer, with a ZITADEL error
	// body for that status (429 gives QUOTA-vjAy8, 503 gives code 14, ...).
	Status int
	// Applied handles the call before answering Status: the change is made but its answer
	// is lost, like a proxy timing out after ZITADEL committed. Without it, the call is
	// not processed.
	Applied bool
	// WriteConflict answers ZITADEL's write conflict instead: 500, code 2, "duplicate key
	// value violates unique constraint "events2_pkey" (SQLSTATE 23505)". Nothing is
	// applied, and the same request succeeds when repeated.
	WriteConflict bool
}

// InjectFault queues a fault. Faults apply in the order they were injected.
func (s *Server) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// FailNext makes the next n API calls answer status without being processed.
func (s *Server) FailNext(n, status int) { s.InjectFault(Fault{Count: n, Status: status}) }

// DelayNext holds the next n API calls for d before handling them.
func (s *Server) DelayNext(n int, d time.Duration) { s.InjectFault(Fault{Count: n, Delay: d}) }

// takeFault returns the fault for the current call, if one is queued.
func (s *Server) takeFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	if s.faults[0].Count--; s.faults[0].Count == 0 {
		s.faults = s.faults[1:]
	}
	return f, true
}

// withFaults wraps an API handler with the queued faults.
func (s *Server) withFaults(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.takeFault()
		if !ok {
			h(w, r)
			return
		}
		if f.Delay > 0 {
			s.mu.Lock()
			hook := s.delayHook
			s.mu.Unlock()
			if hook != nil {
				hook()
			}
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			case <-s.closing:
				return
			}
		}
		if f.WriteConflict {
			s.writeErr(w, errWriteConflict)
			return
		}
		if f.Status == 0 {
			h(w, r)
			return
		}
		if f.Applied {
			h(discard{w.Header()}, r)
		}
		s.writeErr(w, errForStatus(f.Status))
	}
}

// discard is a ResponseWriter that drops the answer of a call whose answer is "lost".
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

package clienttest

// Test seams for the tests of package clienttest_test.

// SetHashHook makes f run before every hash verification, outside the server's lock.
func SetHashHook(s *Server, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hashHook = f
}

// SetDelayHook makes f run when a faulted call starts its delay.
func SetDelayHook(s *Server, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delayHook = f
}

// SetLatencyHook makes f run when an answer starts to wait its latency (WithLatency).
func SetLatencyHook(s *Server, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latencyHook = f
}

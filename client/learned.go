package client

import (
	"context"
	"sync"
)

// learned is a fact about the server a client learns once and then remembers: the
// caller's own organization, whether the server has a call. The first caller learns it;
// callers that arrive meanwhile wait for that answer, each within its own context, so that
// the server is asked once, not once per concurrent call. A failed attempt to learn is not
// remembered: the next caller tries again.
type learned[T any] struct {
	mu    sync.Mutex
	known bool
	v     T
	busy  chan struct{} // non-nil while a caller is learning; closed when it is done
}

// get returns the fact, learning it with learn when nobody knows it yet. learn returns the
// value and whether it is the fact (false: the attempt told nothing, forget it). ran
// reports whether this caller ran learn; then v is learn's value even when not remembered.
func (l *learned[T]) get(ctx context.Context, learn func() (v T, ok bool)) (v T, ran bool, err error) {
	for {
		l.mu.Lock()
		if l.known {
			v = l.v
			l.mu.Unlock()
			return v, false, nil
		}
		if l.busy == nil {
			l.busy = make(chan struct{})
			l.mu.Unlock()
			return l.learn(learn), true, nil
		}
		busy := l.busy
		l.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return v, false, ctx.Err()
		}
	}
}

func (l *learned[T]) learn(learn func() (T, bool)) (v T) {
	ok := false
	defer func() {
		l.mu.Lock()
		if ok {
			l.known, l.v = true, v
		}
		close(l.busy)
		l.busy = nil
		l.mu.Unlock()
	}()
	v, ok = learn()
	return v
}

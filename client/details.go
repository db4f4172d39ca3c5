package client

import "time"

// Details describes the change a call made, as ZITADEL reports it. ZITADEL omits zero
// values, so any field may be zero.
type Details struct {
	Sequence      uint64    // the event sequence of the change
	CreationDate  time.Time // zero when the server did not send it
	ChangeDate    time.Time // zero when the server did not send it
	ResourceOwner string    // the organization that owns the user
}

package clienttest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"github.com/zitpass/zitpass-go/internal/conformance"
)

// TestReplayOfASuiteRecording is the way a new ZITADEL release is recorded ("zitpass
// conformance -record", README.md): the suite's transcript, written by
// conformance.WriteTranscript, replays here as the recorded transcripts do, with the entry
// conformance.Transcript describes. Recorded from the fake itself, it must replay without
// a difference.
func TestReplayOfASuiteRecording(t *testing.T) {
	for _, version := range []int{4, 3} {
		clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		srv := newServer(t, clienttest.WithClock(clock.Now), clienttest.WithVersion(version))
		wait := func(_ context.Context, d time.Duration) error { clock.Add(d); return nil }
		build := func(o ...client.Option) (*client.Client, error) { return srv.Client(o...), nil }
		steps, err := conformance.Run(ctx, build, conformance.Config{Prefix: "zpconf-replay", Wait: wait})
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "recording.json")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := conformance.WriteTranscript(f, steps); err != nil {
			t.Fatal(err)
		}
		f.Close()
		info := conformance.Transcript(steps)
		if version == 4 && len(info.Advance) != 1 {
			t.Errorf("advance %v, want the one wait of the suite", info.Advance)
		}
		t.Run("v"+itoa(version), func(t *testing.T) {
			replayTranscript(t, &transcript{file: file, records: info.Records, version: version, advance: info.Advance})
		})
	}
}

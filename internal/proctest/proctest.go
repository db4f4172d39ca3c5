// Package proctest runs the project's commands as processes in tests: it builds a
// command, starts it, reads the line it prints when it is ready, and stops it when the
// test ends.
package proctest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Build builds the command in the package directory dir (the test's own is ".") into the
// test's temporary directory and returns the binary's path. It skips the test with -short.
func Build(t testing.TB, dir, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("go", "build", "-o", bin, dir).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// Process is a command started by Start.
type Process struct {
	// Line is the first line the command wrote to standard output: its startup line.
	Line string
	// Stderr is its standard error, as written so far.
	Stderr *Buffer

	cmd    *exec.Cmd
	exited chan struct{} // closed when the command has exited; err is set then
	err    error
}

// Start starts bin with args and returns once it has written its first line to standard
// output. The process is killed, and waited for, when the test ends.
func Start(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	p := &Process{Stderr: &Buffer{}, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Stderr = p.Stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	if p.Line, err = bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("%s printed no startup line: %v; stderr:\n%s", filepath.Base(bin), err, p.Stderr)
	}
	return p
}

// Stop sends sig to the process and waits for it to exit, at most within; it returns the
// process's exit error, or fails the test when it did not exit in time.
func (p *Process) Stop(t testing.TB, sig os.Signal, within time.Duration) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case <-p.exited:
		return p.err
	case <-timer.C:
		t.Fatalf("the process did not exit within %v of %v", within, sig)
		return nil
	}
}

// Buffer is a bytes.Buffer that a process may write while the test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

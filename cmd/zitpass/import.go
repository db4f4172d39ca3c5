package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zitpass/zitpass-go/bulk"
	"github.com/zitpass/zitpass-go/client"
)

const importHelp = `Usage: zitpass import -in users.jsonl [-out results.jsonl] [-rate 50] [-max-concurrency 32]

Creates the users of a JSON Lines file in ZITADEL with CreateUser, each with its own id,
exactly once: run it again after a failure or an interruption and it creates only the users
still missing, reporting the others as already there.

Input (-in, "-" for standard input): one JSON object per line, the fields of bulk.User in
ZITADEL's lowerCamelCase; id, givenName, familyName and email are required, username
defaults to the email, and at most one of password (the server hashes it) and passwordHash
(imported as is: bcrypt $2a$/$2b$/$2y$, argon2, ...) is set. Unknown fields are an error.
Example line:

  {"id":"u-1001","orgId":"","username":"alice","givenName":"Alice","familyName":"Smith","email":"alice@example.com","emailVerified":true,"phone":"+41790000001","password":"","passwordHash":"$2a$10$C6g7Dzg4S.HeAXFP6SvTVOVOp9nBCvc15pnaCh8U/R.1wVqLFqfTu","changeRequired":false}

Output (-out, default standard output): one JSON object per user, as it completes:
  {"id":"u-1001","outcome":"created"}
  {"id":"u-1002","outcome":"failed","errorId":"COMMA-HuJf6","error":"..."}
outcome is created, alreadyThere, conflict or failed; a line that could not be read is
{"line":12,"outcome":"failed","error":"..."}. Passwords and hashes are never written.

Progress goes to standard error: a bar on a terminal, a line every few seconds otherwise.
Exit status: 0 when every user was created or already there, 1 otherwise (2: bad usage).

Credentials: ZITADEL_URL (or ZITADEL_DOMAIN), and ZITADEL_PAT, ZITADEL_KEY_FILE, or
ZITADEL_CLIENT_ID with ZITADEL_CLIENT_SECRET; optionally ZITADEL_ORG_ID (the organization of
users without orgId) and ZITADEL_ISSUER.

Flags:
`

// The exit statuses of zitpass import.
const (
	exitOK    = 0
	exitFail  = 1 // a user was not created (or not done), or the input or output failed
	exitUsage = 2
)

// runImport is "zitpass import": it returns the exit status.
func runImport(ctx context.Context, args []string, env cmdEnv) int {
	fs := flag.NewFlagSet("zitpass import", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	inPath := fs.String("in", "", `the users, one JSON object per line ("-": standard input)`)
	outPath := fs.String("out", "", "where to write the results (default standard output)")
	rate := fs.Float64("rate", 0, "requests per second never to exceed (ZITADEL Cloud: 50); 0 learns the limit from 429 answers")
	maxConc := fs.Int("max-concurrency", 32, "the most calls in flight; the import adapts below it")
	fs.Usage = func() {
		io.WriteString(fs.Output(), importHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *inPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.stderr, "zitpass import: -in is required, and nothing else may follow the flags")
		fs.Usage()
		return exitUsage
	}
	in, total, err := openInput(*inPath, env.stdin)
	if err != nil {
		fmt.Fprintln(env.stderr, "zitpass import:", err)
		return exitFail
	}
	defer in.Close()
	out, closeOut, err := openOutput(*outPath, env.stdout)
	if err != nil {
		fmt.Fprintln(env.stderr, "zitpass import:", err)
		return exitFail
	}
	c, err := client.NewFromEnv(ctx, client.WithUserAgent("zitpass/"+client.Version))
	if err != nil {
		fmt.Fprintln(env.stderr, "zitpass import:", err)
		return exitFail
	}
	im := &importer{out: out, progress: newProgress(env.stderr, isTerminal(env.stderr), total)}
	opts := bulk.Options{MaxConcurrency: *maxConc, RateLimit: *rate, Progress: im.progress.show}
	for r := range bulk.Import(ctx, c, im.read(in), opts) {
		im.write(resultOf(r))
	}
	werr := closeOut()
	return im.finish(env.stderr, ctx.Err() != nil, werr)
}

// importer holds the state of one import command: the results file, shared by the reading
// of the input (its unreadable lines) and the results; and the counts.
type importer struct {
	progress *progress

	mu      sync.Mutex
	out     *bufio.Writer
	werr    error
	users   int // users read from the input
	badLine int // lines that could not be read
	done    int
	ok      int // created or already there
	outcome map[bulk.Outcome]int
}

// read yields the users of the input; a line that is no user is written as a failed
// result at once.
func (im *importer) read(r io.Reader) iter.Seq[bulk.User] {
	return func(yield func(bulk.User) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		for n := 1; ; n++ {
			line, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				u, perr := parseUser(line)
				if perr != nil {
					im.mu.Lock()
					im.badLine++
					im.mu.Unlock()
					im.write(resultLine{Line: n, Outcome: bulk.Failed, Error: perr.Error()})
				} else {
					im.mu.Lock()
					im.users++
					im.mu.Unlock()
					if !yield(u) {
						return
					}
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					im.write(resultLine{Line: n, Outcome: bulk.Failed, Error: "reading the input: " + err.Error()})
					im.mu.Lock()
					im.badLine++
					im.mu.Unlock()
				}
				return
			}
		}
	}
}

// parseUser reads one line. Its errors never quote the line: it may hold a password.
func parseUser(line []byte) (bulk.User, error) {
	var u bulk.User
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(&u)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value on the line")
	}
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return u, fmt.Errorf("not a JSON object: invalid JSON at byte %d", syn.Offset)
	case err != nil:
		return u, fmt.Errorf("not a user: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return u, nil
}

// resultLine is one line of the results: never a password or a hash.
type resultLine struct {
	ID      string       `json:"id,omitempty"`
	Line    int          `json:"line,omitempty"`
	Outcome bulk.Outcome `json:"outcome"`
	ErrorID string       `json:"errorId,omitempty"`
	Error   string       `json:"error,omitempty"`
}

func resultOf(r bulk.Result) resultLine {
	l := resultLine{ID: r.User.ID, Outcome: r.Outcome}
	if r.Err != nil {
		l.Error = r.Err.Error()
		if ae, ok := errors.AsType[*client.APIError](r.Err); ok {
			l.ErrorID = ae.ID
		}
	}
	return l
}

func (im *importer) write(l resultLine) {
	b, err := json.Marshal(l)
	im.mu.Lock()
	defer im.mu.Unlock()
	if err == nil {
		b = append(b, '\n')
		_, err = im.out.Write(b)
	}
	if err != nil && im.werr == nil {
		im.werr = err
	}
	if l.ID == "" {
		return // an unreadable line, counted where it was read
	}
	if im.outcome == nil {
		im.outcome = map[bulk.Outcome]int{}
	}
	im.done++
	im.outcome[l.Outcome]++
	if l.Outcome == bulk.Created || l.Outcome == bulk.AlreadyThere {
		im.ok++
	}
}

// finish prints the summary and returns the exit status.
func (im *importer) finish(w io.Writer, interrupted bool, closeErr error) int {
	im.progress.end()
	im.mu.Lock()
	defer im.mu.Unlock()
	fmt.Fprintf(w, "zitpass import: %d created, %d already there, %d conflicts, %d failed",
		im.outcome[bulk.Created], im.outcome[bulk.AlreadyThere], im.outcome[bulk.Conflict], im.outcome[bulk.Failed])
	if im.badLine > 0 {
		fmt.Fprintf(w, ", %d unreadable lines", im.badLine)
	}
	if missing := im.users - im.done; missing > 0 {
		fmt.Fprintf(w, "; %d not done", missing)
		if interrupted {
			fmt.Fprint(w, " (interrupted: run it again to import them)")
		}
	}
	fmt.Fprintln(w)
	err := im.werr
	if err == nil {
		err = closeErr
	}
	if err != nil {
		fmt.Fprintln(w, "zitpass import: writing the results:", err)
		return exitFail
	}
	if im.badLine > 0 || im.ok != im.users || interrupted {
		return exitFail
	}
	return exitOK
}

// isTerminal reports whether w is a terminal, where the progress bar redraws its line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// openInput opens the input and counts its lines when it is a regular file, for the
// progress bar's total (0: unknown).
func openInput(path string, stdin io.Reader) (io.ReadCloser, int, error) {
	if path == "-" {
		return io.NopCloser(stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return f, 0, nil
	}
	total, err := countLines(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, total, nil
}

// countLines counts the lines that are not blank, reading in chunks: memory stays flat.
func countLines(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	blank := true
	for {
		b, err := br.ReadByte()
		if err != nil {
			if !blank {
				n++
			}
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		switch b {
		case '\n':
			if !blank {
				n++
			}
			blank = true
		case ' ', '\t', '\r':
		default:
			blank = false
		}
	}
}

// openOutput opens the results file ("" or "-": standard output).
func openOutput(path string, stdout io.Writer) (*bufio.Writer, func() error, error) {
	if path == "" || path == "-" {
		w := bufio.NewWriter(stdout)
		return w, w.Flush, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriter(f)
	return w, func() error {
		err := w.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// progress shows an import's progress on standard error: a bar redrawn in place on a
// terminal, else a line every plainEvery.
type progress struct {
	w        io.Writer
	terminal bool
	total    int // 0: unknown
	last     time.Time
	shown    bool
}

const plainEvery = 5 * time.Second

func newProgress(w io.Writer, terminal bool, total int) *progress {
	return &progress{w: w, terminal: terminal, total: total, last: time.Now()}
}

// show is bulk.Options.Progress.
func (p *progress) show(s bulk.Progress) {
	if !p.terminal {
		if time.Since(p.last) < plainEvery {
			return
		}
		p.last = time.Now()
		fmt.Fprintln(p.w, "zitpass import:", p.line(s))
		return
	}
	fmt.Fprint(p.w, "\r\033[K", p.bar(s))
	p.shown = true
}

// end moves past the bar.
func (p *progress) end() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}

func (p *progress) line(s bulk.Progress) string {
	done := fmt.Sprintf("%d", s.Done)
	if p.total > 0 {
		done = fmt.Sprintf("%d/%d", s.Done, p.total)
	}
	return fmt.Sprintf("%s done, %.1f/s, concurrency %d, %d failed", done, s.PerSecond, s.Concurrency, s.Failed+s.Conflicts)
}

func (p *progress) bar(s bulk.Progress) string {
	const width = 30
	if p.total <= 0 {
		return p.line(s)
	}
	fill := min(width, s.Done*width/p.total)
	return fmt.Sprintf("[%s%s] %3d%% %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), s.Done*100/p.total, p.line(s))
}

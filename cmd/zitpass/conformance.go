package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"github.com/zitpass/zitpass-go/internal/conformance"
)

const conformanceUsage = `Usage: zitpass conformance -url URL [-org ID] [-record FILE] [-yes]

Runs the SDK's scenario suite (internal/conformance) against a ZITADEL and against the
in-memory fake of package clienttest, configured like the server (its password complexity,
lockout and expiry policies, its major version), step by step, and prints the steps whose
answers differ: status, gRPC code, error id, JSON shape.

Credentials come from the environment, as client.NewFromEnv reads them: ZITADEL_PAT,
ZITADEL_PAT_FILE, ZITADEL_KEY_FILE or ZITADEL_CLIENT_ID and ZITADEL_CLIENT_SECRET, and
ZITADEL_ISSUER, ZITADEL_INSECURE; -url overrides ZITADEL_URL. The server's version heads the
report when the caller may read it (GET /admin/v1/instances/me: instance administrators).

What it does on the server: it creates its own users only (usernames and ids of the
prefix zpconf-<random>), in one organization (-org, else the caller's own), sends no email
or SMS (emails are created verified, reset codes are returned), locks and deletes only its
own users, and deletes every user it created at the end, also after a failure or Ctrl-C;
it prints each user it created and removed. One step waits 2s for a session lifetime to
pass (on cmd/zitadel-fake it advances the fake's clock instead). A host that is not
loopback needs -yes or "yes" typed on a terminal.

Exit status: 0 when no step differs, 1 when some do (or a run failed), 2 on usage errors
and refusals.

Flags:
`

// runConformance is "zitpass conformance": it returns the exit status.
func runConformance(ctx context.Context, args []string, env cmdEnv) int {
	return conformanceMain(ctx, args, env, nil)
}

// conformanceMain is runConformance with a test seam: edit changes the exchanges of the
// runs as they are recorded, run "server" or "fake".
func conformanceMain(ctx context.Context, args []string, env cmdEnv, edit func(run string, e *conformance.Exchange)) int {
	fs := flag.NewFlagSet("zitpass conformance", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	rawURL := fs.String("url", "", "the server's URL (default $ZITADEL_URL)")
	orgID := fs.String("org", "", "the organization to create the users in (default the caller's own)")
	record := fs.String("record", "", "also write the server's answers to FILE, in the transcript format of client/clienttest/testdata")
	yes := fs.Bool("yes", false, "run against a host that is not loopback without asking")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), conformanceUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "zitpass conformance: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *rawURL != "" {
		os.Setenv(client.EnvURL, *rawURL) // NewFromEnv reads it; -url wins over the environment
	}
	build := func(opts ...client.Option) (*client.Client, error) { return client.NewFromEnv(ctx, opts...) }
	c, err := build()
	if err != nil {
		fmt.Fprintf(env.stderr, "zitpass conformance: %v\n", err)
		return 2
	}
	if !confirm(c.BaseURL(), *yes, env) {
		return 2
	}
	return compare(ctx, build, c, runOptions{orgID: *orgID, record: *record, edit: edit}, env)
}

// runOptions are the flags of a run.
type runOptions struct {
	orgID, record string
	edit          func(run string, e *conformance.Exchange) // a test seam; nil: none
}

// editOf is the test seam for one run.
func (o runOptions) editOf(run string) func(*conformance.Exchange) {
	if o.edit == nil {
		return nil
	}
	return func(e *conformance.Exchange) { o.edit(run, e) }
}

// confirm lets the run proceed: at once for a loopback host or with -yes, else after "yes"
// typed on a terminal.
func confirm(baseURL string, yes bool, env cmdEnv) bool {
	u, err := url.Parse(baseURL)
	if err == nil && (isLoopback(u.Hostname()) || yes) {
		return true
	}
	if env.isTerminal == nil || !env.isTerminal() {
		fmt.Fprintf(env.stderr, "zitpass conformance: %s is not a loopback host: the suite creates, locks and deletes users there; "+
			"run with -yes to proceed\n", baseURL)
		return false
	}
	fmt.Fprintf(env.stderr, "The suite creates, locks and deletes its own users (zpconf-...) on %s, and removes them at the end.\n"+
		"Type yes to proceed: ", baseURL)
	line, _ := bufio.NewReader(env.stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(env.stderr, "zitpass conformance: not confirmed; nothing was done")
		return false
	}
	return true
}

// isLoopback reports whether host names this machine: localhost (and its subdomains) or
// a loopback address.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// compare runs the suite on the server and on a fake configured like it, and prints the
// report.
func compare(ctx context.Context, build conformance.Build, c *client.Client, opts runOptions, env cmdEnv) int {
	out := env.stdout
	var callOpts []client.CallOption
	if opts.orgID != "" {
		callOpts = append(callOpts, client.InOrg(opts.orgID))
	}
	probe, err := conformance.NewProbe(ctx, build)
	if err != nil {
		fmt.Fprintf(env.stderr, "zitpass conformance: %v\n", err)
		return 1
	}
	version, verr := probe.Version(ctx)
	if verr != nil {
		fmt.Fprintf(out, "server: %s, version unknown (%v; only instance administrators may read it)\n", c.BaseURL(), verr)
	} else {
		fmt.Fprintf(out, "server: %s, ZITADEL %s\n", c.BaseURL(), version)
	}
	fakeOpts, major, desc, err := fakeLike(ctx, c, version, callOpts)
	if err != nil {
		fmt.Fprintf(env.stderr, "zitpass conformance: reading the server's settings: %v\n", err)
		return 1
	}
	wait, isFake := probe.FakeClock(ctx)
	if !isFake {
		wait = sleep
	}
	fmt.Fprintf(out, "fake:   clienttest, %s\n", desc)

	prefix := "zpconf-" + strings.ToLower(rand.Text()[:8])
	serverSteps, serverErr := conformance.Run(ctx, build, conformance.Config{Prefix: prefix, OrgID: opts.orgID, Wait: wait, Log: out,
		Edit: opts.editOf("server")})
	status := 0
	if serverErr != nil {
		fmt.Fprintf(env.stderr, "zitpass conformance: the run on the server stopped: %v\n", serverErr)
		status = 1
	}
	if opts.record != "" {
		if err := writeRecord(opts.record, serverSteps); err != nil {
			fmt.Fprintf(env.stderr, "zitpass conformance: -record: %v\n", err)
			status = 1
		} else {
			printRecorded(out, opts.record, major, serverSteps)
		}
	}
	if ctx.Err() != nil {
		return 1
	}

	fakeSteps, fakeErr := runFake(ctx, prefix, opts.orgID != "", fakeOpts, opts.editOf("fake"))
	if fakeErr != nil {
		fmt.Fprintf(env.stderr, "zitpass conformance: the run on the fake stopped: %v\n", fakeErr)
		status = 1
	}
	diffs := conformance.Diff(serverSteps, fakeSteps)
	printDiffs(out, len(serverSteps), diffs)
	if len(diffs) > 0 {
		status = 1
	}
	return status
}

// fakeLike returns the options of a fake configured like the server: its major version and
// the policies that apply to the run's organization.
func fakeLike(ctx context.Context, c *client.Client, version string, org []client.CallOption) (opts []clienttest.ServerOption, major int, desc string, err error) {
	complexity, err := c.Settings.PasswordComplexity(ctx, org...)
	if err != nil {
		return nil, 0, "", err
	}
	lockout, err := c.Settings.Lockout(ctx, org...)
	if err != nil {
		return nil, 0, "", err
	}
	expiry, err := c.Settings.PasswordExpiry(ctx, org...)
	if err != nil {
		return nil, 0, "", err
	}
	major = 4
	if strings.HasPrefix(version, "v3.") {
		major = 3
	}
	opts = []clienttest.ServerOption{clienttest.WithVersion(major), clienttest.WithPasswordComplexity(*complexity),
		clienttest.WithLockout(*lockout), clienttest.WithPasswordExpiry(*expiry)}
	desc = fmt.Sprintf("as v%d; password complexity: min length %d, upper %t, lower %t, number %t, symbol %t; lockout: %d password attempts",
		major, complexity.MinLength, complexity.RequiresUppercase, complexity.RequiresLowercase, complexity.RequiresNumber,
		complexity.RequiresSymbol, lockout.MaxPasswordAttempts)
	return opts, major, desc, nil
}

// runFake runs the suite on an in-process fake whose clock the suite's Wait advances.
func runFake(ctx context.Context, prefix string, ownOrg bool, opts []clienttest.ServerOption, edit func(*conformance.Exchange)) ([]conformance.Step, error) {
	clk := &offsetClock{}
	srv := clienttest.NewServer(append([]clienttest.ServerOption{clienttest.WithClock(clk.Now)}, opts...)...)
	defer srv.Close()
	cfg := conformance.Config{Prefix: prefix, Wait: clk.advance, Edit: edit}
	if ownOrg {
		cfg.OrgID = srv.AddOrg() // the server's run names an organization: so does the fake's
	}
	build := func(o ...client.Option) (*client.Client, error) { return srv.Client(o...), nil }
	return conformance.Run(ctx, build, cfg)
}

// offsetClock is the in-process fake's clock: the real time, moved forward by the suite's
// waits.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) advance(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return nil
}

// sleep is the real server's Wait: a timer that ends early with ctx.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func writeRecord(path string, steps []conformance.Step) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := conformance.WriteTranscript(f, steps); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printRecorded says what -record wrote, and the entry that replays it in
// client/clienttest/conformance_test.go once the file is copied into testdata.
func printRecorded(w io.Writer, path string, major int, steps []conformance.Step) {
	info := conformance.Transcript(steps)
	var advance []string
	for i, d := range info.Advance {
		advance = append(advance, fmt.Sprintf("%d: %d * time.Millisecond", i, d.Milliseconds()))
	}
	slices.Sort(advance)
	fmt.Fprintf(w, "recorded %d requests of %d steps to %s; to replay it, copy it into client/clienttest/testdata and add to "+
		"the transcripts of client/clienttest/conformance_test.go:\n\t{file: %q, records: %d, version: %d, advance: map[int]time.Duration{%s}},\n",
		info.Records, len(steps), path, "testdata/"+filepath.Base(path), info.Records, major, strings.Join(advance, ", "))
}

// printDiffs prints the table of the steps that differ.
func printDiffs(w io.Writer, steps int, diffs []conformance.Difference) {
	if len(diffs) == 0 {
		fmt.Fprintf(w, "%d steps: the server and the fake agree at every step\n", steps)
		return
	}
	fmt.Fprintf(w, "%d steps: the server and the fake differ at %d:\n\n", steps, len(diffs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSERVER\tFAKE\tDIFFERENCE")
	for _, d := range diffs {
		fmt.Fprintf(tw, "%d %s\t%s\t%s\t%s\n", d.Step+1, d.Name, d.Want, d.Got, d.Description)
	}
	tw.Flush()
}

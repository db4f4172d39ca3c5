// Command zitpass is the SDK's command line: subcommands for the work around an
// application's ZITADEL passwords.
//
//	zitpass conformance -url URL [-org ID] [-record FILE] [-yes]
//	zitpass import -in users.jsonl [-out results.jsonl] [-rate 50] [-max-concurrency 32]
//
// conformance runs the SDK's scenario suite against a ZITADEL and against the fake of
// package clienttest configured like it, and prints the steps whose answers differ (see
// "zitpass conformance -help"). import creates users from a JSON Lines file with
// package bulk, each exactly once however often it runs (see "zitpass import -help").
// Credentials come from the environment, as client.NewFromEnv reads them.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// cmdEnv is what a subcommand takes from its process, so that tests can run it.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	isTerminal     func() bool // whether stdin is a terminal someone can answer a question on
}

// subcommand runs with the arguments after its name and returns the exit status.
type subcommand func(ctx context.Context, args []string, env cmdEnv) int

// subcommands are the commands zitpass dispatches to, by name.
var subcommands = map[string]subcommand{
	"conformance": runConformance,
	"import":      runImport,
}

func main() {
	// Ctrl-C and SIGTERM end the context; a subcommand's cleanup runs on a context of its own.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := cmdEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, isTerminal: stdinIsTerminal}
	os.Exit(dispatch(ctx, os.Args[1:], env))
}

// dispatch runs the subcommand args name: 2 for an unknown one.
func dispatch(ctx context.Context, args []string, env cmdEnv) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(env.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	run, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "zitpass: unknown command %q\n", args[0])
		usage(env.stderr)
		return 2
	}
	return run(ctx, args[1:], env)
}

func usage(w io.Writer) {
	names := make([]string, 0, len(subcommands))
	for name := range subcommands {
		names = append(names, name)
	}
	slices.Sort(names)
	fmt.Fprintf(w, "Usage: zitpass <command> [flags]\n\nCommands: %s\n\"zitpass <command> -help\" describes one.\n", strings.Join(names, ", "))
}

// stdinIsTerminal reports whether stdin is someone's terminal: a character device other
// than the null device (which is one too, as stdin of a job or a CI step).
func stdinIsTerminal() bool {
	fi, err := os.Stdin.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

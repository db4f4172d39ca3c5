package conformance

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Difference is a step whose answers differ between two runs.
type Difference struct {
	Step        int    // the step's index
	Name        string // the step's name
	Want, Got   string // the answers of the reference run (the server) and of the other (the fake)
	Description string // what differs
}

// Diff compares the steps of two runs, want (the server) and got (the fake), step by step:
// the requests each step made (method and path, ids as "{id}"), and for each answer its
// status, gRPC code, error id and JSON shape.
func Diff(want, got []Step) []Difference {
	var out []Difference
	n := max(len(want), len(got))
	for i := range n {
		var w, g Step
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		name := w.Name
		if name == "" {
			name = g.Name
		}
		if d := compare(w, g); d != "" {
			out = append(out, Difference{Step: i, Name: name, Want: Summary(w), Got: Summary(g), Description: d})
		}
	}
	return out
}

func compare(w, g Step) string {
	switch {
	case w.Name != g.Name:
		return fmt.Sprintf("different steps: %q and %q", w.Name, g.Name)
	case len(w.Exchanges) != len(g.Exchanges):
		return fmt.Sprintf("%d requests, want %d", len(g.Exchanges), len(w.Exchanges))
	}
	for j := range w.Exchanges {
		we, ge := w.Exchanges[j], g.Exchanges[j]
		switch {
		case we.Method != ge.Method || pathTemplate(we.Path) != pathTemplate(ge.Path):
			return fmt.Sprintf("request %d: %s %s, want %s %s", j+1, ge.Method, pathTemplate(ge.Path), we.Method, pathTemplate(we.Path))
		case we.Status != ge.Status:
			return fmt.Sprintf("request %d: status %d, want %d", j+1, ge.Status, we.Status)
		case we.Code != ge.Code:
			return fmt.Sprintf("request %d: code %d, want %d", j+1, ge.Code, we.Code)
		case we.ErrorID != ge.ErrorID:
			return fmt.Sprintf("request %d: error id %q, want %q", j+1, ge.ErrorID, we.ErrorID)
		case we.Shape != ge.Shape:
			return fmt.Sprintf("request %d: JSON %s, want %s", j+1, ge.Shape, we.Shape)
		}
	}
	return ""
}

var idSegment = regexp.MustCompile(`^[0-9]{10,}$`)

// pathTemplate replaces the ids in a path by "{id}": each server picks its own.
func pathTemplate(p string) string {
	seg := strings.Split(p, "/")
	for i, s := range seg {
		if idSegment.MatchString(s) {
			seg[i] = "{id}"
		}
	}
	return strings.Join(seg, "/")
}

// Summary is a step's answers in one line: "POST /v2/users/new 400/9 COMMAND-7yiox1isql".
func Summary(s Step) string {
	if s.Name == "" {
		return "(no step)"
	}
	parts := make([]string, 0, len(s.Exchanges))
	for _, e := range s.Exchanges {
		a := e.Method + " " + pathTemplate(e.Path) + " " + strconv.Itoa(e.Status)
		if e.Code != 0 {
			a += "/" + strconv.Itoa(e.Code)
		}
		if e.ErrorID != "" {
			a += " " + e.ErrorID
		}
		parts = append(parts, a)
	}
	if len(parts) == 0 {
		return "(no request)"
	}
	return strings.Join(parts, "; ")
}

package client

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDeprecatedNameACurrentReplacement: every "Deprecated:" paragraph of the package names
// its replacement first, as Service.Method, and that replacement is not deprecated itself:
// an application following the advice must not land on another deprecated call.
func TestDeprecatedNameACurrentReplacement(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	deprecated := map[string]string{} // "UserService.SetPassword" → its Deprecated paragraph
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Doc == nil {
				continue
			}
			_, para, ok := strings.Cut(fd.Doc.Text(), "Deprecated:")
			if !ok {
				continue
			}
			recv := fd.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			deprecated[recv.(*ast.Ident).Name+"."+fd.Name.Name] = para
		}
	}
	if len(deprecated) < 6 {
		t.Fatalf("found %d deprecated methods, want the 6 of the package", len(deprecated))
	}
	named := regexp.MustCompile(`\b(UserService|SessionService|SettingsService)\.([A-Z]\w*)|\bUse (CreateUser|UpdateUser)\b`)
	for name, para := range deprecated {
		m := named.FindStringSubmatch(para)
		if m == nil {
			t.Errorf("%s: its Deprecated paragraph names no replacement:\n%s", name, para)
			continue
		}
		repl := m[1] + "." + m[2]
		if m[3] != "" {
			repl = "UserService." + m[3]
		}
		if _, dep := deprecated[repl]; dep {
			t.Errorf("%s: its Deprecated paragraph names %s, which is deprecated too", name, repl)
		}
	}
}

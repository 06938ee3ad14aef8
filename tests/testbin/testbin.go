// Package testbin gives test packages the corscookie binary: the one that
// CORSCOOKIE_BIN names ("make test" builds it once), or one built for the run.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Run is the body of a TestMain: it gets the binary into *path, runs the tests
// of m and returns their exit code. root is the repository root, relative to
// the test's folder.
func Run(m *testing.M, root string, path *string) int {
	bin, cleanup, err := Build(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbin:", err)
		return 1
	}
	defer cleanup()

	*path = bin
	return m.Run()
}

// Build returns the path of the corscookie binary and a function that removes
// what Build made. root is the repository root, relative to the calling test's
// folder.
func Build(root string) (path string, cleanup func(), err error) {
	if bin := os.Getenv("CORSCOOKIE_BIN"); bin != "" {
		return bin, func() {}, nil
	}

	dir, err := os.MkdirTemp("", "corscookie-bin-")
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, "corscookie")
	if err := GoBuild(path, root); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}

// GoBuild builds the package pkg into out; the compiler's output goes to
// stderr.
func GoBuild(out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

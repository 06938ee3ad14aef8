package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/corscookie/corscookie/session"
)

// TestRunLogsBeforeRefusal checks that the buffered log is written out before a
// refusal: the policy lines logged on the way come first, in order.
func TestRunLogsBeforeRefusal(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	var stderr strings.Builder
	args := []string{"-api-addr", taken.Addr().String(), "-web-addr", ""}
	lookup := env(map[string]string{"CORSCOOKIE_KEYS": session.NewKey()})
	if code := run(context.Background(), args, lookup, &stderr); code != 2 {
		t.Fatalf("exit code: got %d, want 2\n%s", code, stderr.String())
	}

	out := stderr.String()
	policy := strings.Index(out, "cookie policy")
	refusal := strings.Index(out, "refusing to start")
	if policy < 0 || refusal < 0 || policy > refusal {
		t.Errorf("want the cookie policy line before the refusal:\n%s", out)
	}
}

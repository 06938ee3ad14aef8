package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corscookie/corscookie/bench"
)

// benchmark sends the same request through h b.N times.
func benchmark(b *testing.B, h http.Handler, r *http.Request, want int) {
	b.Helper()
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, r)
		if w.status != want {
			b.Fatalf("got %d, want %d", w.status, want)
		}
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the body,
// so that the benchmarks measure the handlers, not a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// benchRouter is the API with its log going nowhere.
func benchRouter(b *testing.B) http.Handler {
	return newLoggingRouter(b, 10*time.Minute, io.Discard)
}

func BenchmarkChain(b *testing.B) {
	h := benchRouter(b)
	set := httptest.NewRecorder()
	h.ServeHTTP(set, httptest.NewRequest("GET", "/set-cookie", nil))
	cookie := set.Result().Cookies()[0]

	get := httptest.NewRequest("GET", "/get-cookie", nil)
	get.Header.Set("Origin", testOrigin)
	get.AddCookie(cookie)
	b.Run("get-cookie", func(b *testing.B) { benchmark(b, h, get, 200) })

	pre := httptest.NewRequest("OPTIONS", "/set-cookie", nil)
	pre.Header.Set("Origin", testOrigin)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "content-type")
	b.Run("preflight", func(b *testing.B) { benchmark(b, h, pre, 204) })

	// A list near the 64 KiB header limit must cost no more than a normal
	// preflight.
	huge := pre.Clone(pre.Context())
	huge.Header.Set("Access-Control-Request-Headers", strings.Repeat("x-a,", 15<<10))
	b.Run("preflight-huge-headers", func(b *testing.B) { benchmark(b, h, huge, 204) })

	s := httptest.NewRequest("GET", "/set-cookie", nil)
	s.Header.Set("Origin", testOrigin)
	b.Run("set-cookie", func(b *testing.B) { benchmark(b, h, s, 200) })

	refused := httptest.NewRequest("GET", "/get-cookie", nil)
	refused.Header.Set("Origin", "http://evil.test")
	refused.AddCookie(cookie)
	b.Run("refused-origin", func(b *testing.B) { benchmark(b, h, refused, 200) })

	b.Run("baseline", func(b *testing.B) { benchmark(b, bench.BaselineHandler(), get, 200) })
}

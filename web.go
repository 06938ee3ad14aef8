package main

import (
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/corscookie/corscookie/static"
)

// webConfig is what the page learns at run time, so one build serves any
// deployment.
type webConfig struct {
	APIURL string `json:"apiURL"`
}

// newWebHandler serves the built Vue client and /config.json.
func newWebHandler(apiURL string) http.Handler {
	// Marshalling a struct of one string cannot fail.
	body, _ := json.Marshal(webConfig{APIURL: apiURL})
	config := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	}
	files := static.Dist()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", config)
	mux.Handle("GET /", clientOrHint(files, http.FileServerFS(files)))
	return mux
}

// clientOrHint serves the client, or says how to build it when the binary was
// built without it.
func clientOrHint(files fs.FS, next http.Handler) http.Handler {
	if _, err := fs.Stat(files, "index.html"); err == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "The Vue client is not built into this binary: "+
			"run 'make build', or 'make run'.",
			http.StatusServiceUnavailable)
	})
}

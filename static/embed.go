// Package static holds the built Vue client, embedded in the binary.
//
// The client is built by "npm run build" into dist/, which Go embeds at compile
// time: build the client first, then the binary ("make build" does both). A clean
// clone holds only dist/favicon.svg, so the binary still compiles and serves a page
// saying the client is not built.
package static

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the files of the built client, index.html at the root.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("static: " + err.Error()) // "dist" is a valid path, so this cannot happen
	}
	return sub
}

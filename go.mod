module github.com/corscookie/corscookie

go 1.26.0

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/go-chi/cors v1.2.2
	github.com/gorilla/securecookie v1.1.2
	go.uber.org/zap v1.28.0
	golang.org/x/net v0.63.0
)

require go.uber.org/multierr v1.10.0 // indirect

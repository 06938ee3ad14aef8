module github.com/corscookie/corscookie

go 1.26

require (
	github.com/go-chi/chi/v5 v5.5.0 // indirect
	github.com/go-chi/cors v1.2.2 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
)

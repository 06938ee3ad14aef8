package bench

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// response is the JSON body, as corscookie writes it.
type response struct {
	Message string `json:"message"`
	Token   string `json:"token,omitempty"`
}

// BaselineHandler answers the three requests of the load test by hand, with plain
// net/http: no router, no CORS library, no signing, no request log. It routes the
// preflight, /set-cookie and /get-cookie.
func BaselineHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodOptions:
			preflight(w, r)
		case r.Method == http.MethodGet && r.URL.Path == "/set-cookie":
			setCookie(w, r)
		case r.Method == http.MethodGet && r.URL.Path == "/get-cookie":
			getCookie(w, r)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

// preflight answers 204 with the Access-Control-* headers corscookie sends.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if r.Header.Get("Origin") == Origin {
		h.Set("Access-Control-Allow-Origin", Origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
}

// setCookie sets a cookie of 32 random bytes, unsigned, with corscookie's attributes.
func setCookie(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 32)
	rand.Read(b)
	corsHeaders(w, r)
	http.SetCookie(w, &http.Cookie{
		Name: tokenCookie, Value: base64.RawURLEncoding.EncodeToString(b),
		Path: "/", MaxAge: 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	json.NewEncoder(w).Encode(response{Message: "Cookie is set!"})
}

// getCookie echoes the cookie as the token without checking it.
func getCookie(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w, r)
	c, err := r.Cookie(tokenCookie)
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(response{Message: "Cookie retrieved!", Token: c.Value})
}

// corsHeaders writes the headers of an actual request from the allowed origin.
func corsHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if r.Header.Get("Origin") == Origin {
		h.Set("Access-Control-Allow-Origin", Origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "application/json")
}

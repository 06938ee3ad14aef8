package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/corscookie/corscookie/session"
)

func ExampleNew() {
	// A fixed key for the example; use session.NewKey() for real.
	keys, err := session.ParseKeys(strings.Repeat("k", 43))
	if err != nil {
		panic(err)
	}
	m, err := session.New(session.Policy{SameSite: http.SameSiteLaxMode}, keys)
	if err != nil {
		panic(err)
	}

	// The API sets the cookie...
	rec := httptest.NewRecorder()
	m.Issue(rec, "token-from-NewToken")
	cookie := rec.Result().Cookies()[0]

	// ...and the browser sends it back.
	r := httptest.NewRequest("GET", "/get-cookie", nil)
	r.AddCookie(cookie)
	token, stale, err := m.Read(r)

	fmt.Println(cookie.Name, cookie.HttpOnly, cookie.MaxAge)
	fmt.Println(token, stale, err)
	// Output:
	// user_token true 86400
	// token-from-NewToken false <nil>
}

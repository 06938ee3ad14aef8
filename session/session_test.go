package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testKey returns a hash key of 32 bytes filled with b.
func testKey(b byte) Key {
	return Key{Hash: []byte(strings.Repeat(string(rune(b)), 32))}
}

// mustNew returns a Manager or stops the test.
func mustNew(t testing.TB, p Policy, keys ...Key) *Manager {
	t.Helper()
	m, err := New(p, keys)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// issue returns the cookie m sets for token.
func issue(t testing.TB, m *Manager, token string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := m.Issue(rec, token); err != nil {
		t.Fatalf("Issue: %v", err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("got %d cookies, want 1", len(cookies))
	}
	return cookies[0]
}

// read sends the cookies to m.Read.
func read(m *Manager, cookies ...*http.Cookie) (string, bool, error) {
	r := httptest.NewRequest("GET", "/get-cookie", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return m.Read(r)
}

func TestRead(t *testing.T) {
	m := mustNew(t, Policy{}, testKey('a'))
	good := issue(t, m, "tok")
	other := mustNew(t, Policy{Name: "other"}, testKey('a'))
	otherValue := issue(t, other, "tok").Value
	foreign := issue(t, mustNew(t, Policy{}, testKey('z')), "tok").Value

	with := func(values ...string) []*http.Cookie {
		var cs []*http.Cookie
		for _, v := range values {
			cs = append(cs, withValue(good, v))
		}
		return cs
	}
	v := good.Value
	tests := []struct {
		name    string
		cookies []*http.Cookie
		want    string
		wantErr error
	}{
		{"round trip", []*http.Cookie{good}, "tok", nil},
		{"no cookie", nil, "", ErrNoToken},
		{"empty value", with(""), "", ErrEmpty},
		{"flipped byte", with(flip(v, 10)), "", ErrInvalid},
		{"flipped mac", with(flip(v, len(v)-3)), "", ErrInvalid},
		{"truncated", with(v[:len(v)/2]), "", ErrInvalid},
		{"not base64", with("%%%not-base64%%%"), "", ErrInvalid},
		{"other cookie name", with(otherValue), "", ErrInvalid},
		{"other key", with(foreign), "", ErrInvalid},
		{"oversized", with(strings.Repeat("A", MaxCookieSize+1)),
			"", ErrInvalid},
		{"first that verifies wins", with("junk", v), "tok", nil},
		{"empty then invalid", with("", "junk"), "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, stale, err := read(m, tt.cookies...)
			errOK := errors.Is(err, tt.wantErr) &&
				(err == nil) == (tt.wantErr == nil)
			if got != tt.want || !errOK {
				t.Errorf("got %q, %v, want %q, %v",
					got, err, tt.want, tt.wantErr)
			}
			if stale {
				t.Error("got stale, want current")
			}
		})
	}
}

// withValue returns a copy of c with another value.
func withValue(c *http.Cookie, value string) *http.Cookie {
	d := *c
	d.Value = value
	return &d
}

// flip changes one character of s.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestReadExpired(t *testing.T) {
	m := mustNew(t, Policy{MaxAge: time.Second}, testKey('a'))

	fresh := &http.Cookie{Name: DefaultName, Value: encodeAt(time.Now())}
	if _, _, err := read(m, fresh); err != nil {
		t.Fatalf("a value made by encodeAt now does not verify: %v", err)
	}

	value := encodeAt(time.Now().Add(-2 * time.Minute))

	_, _, err := read(m, &http.Cookie{Name: DefaultName, Value: value})
	if !errors.Is(err, ErrExpired) {
		t.Errorf("got %v, want %v", err, ErrExpired)
	}

	// Expired wins over invalid, whatever the order.
	_, _, err = read(m, &http.Cookie{Name: DefaultName, Value: value},
		&http.Cookie{Name: DefaultName, Value: "junk"})
	if !errors.Is(err, ErrExpired) {
		t.Errorf("with junk after it: got %v, want %v", err, ErrExpired)
	}
}

// encodeAt signs "tok" for DefaultName with key 'a' and the timestamp at, laid
// out as securecookie does: base64(date|base64(value)|mac), the name inside the
// mac.
func encodeAt(at time.Time) string {
	enc := base64.URLEncoding
	payload := strings.Join([]string{
		DefaultName,
		strconv.FormatInt(at.Unix(), 10),
		enc.EncodeToString([]byte("tok")),
	}, "|")
	h := hmac.New(sha256.New, testKey('a').Hash)
	h.Write([]byte(payload))
	mac := h.Sum(nil)
	body := payload[len(DefaultName)+1:] + "|" + string(mac)
	return enc.EncodeToString([]byte(body))
}

func TestRotation(t *testing.T) {
	oldKey, newKey := testKey('o'), testKey('n')
	before := mustNew(t, Policy{}, oldKey)
	c := issue(t, before, "tok")

	during := mustNew(t, Policy{}, newKey, oldKey)
	got, stale, err := read(during, c)
	if got != "tok" || !stale || err != nil {
		t.Fatalf("during rotation: got %q, stale %v, %v; "+
			"want tok, stale, nil", got, stale, err)
	}
	reissued := issue(t, during, got)

	after := mustNew(t, Policy{}, newKey)
	got, stale, err = read(after, reissued)
	if got != "tok" || stale || err != nil {
		t.Errorf("re-issued cookie after rotation: got %q, stale %v, %v; "+
			"want tok, current, nil", got, stale, err)
	}
	if _, _, err := read(after, c); !errors.Is(err, ErrInvalid) {
		t.Errorf("old cookie after its key was removed: got %v, want %v",
			err, ErrInvalid)
	}
}

func TestEncryption(t *testing.T) {
	key := testKey('a')
	key.Block = []byte(strings.Repeat("b", 16))
	m := mustNew(t, Policy{}, key)

	c := issue(t, m, "secret-token")
	raw, _ := base64.URLEncoding.DecodeString(c.Value)
	clear := base64.URLEncoding.EncodeToString([]byte("secret-token"))
	if strings.Contains(string(raw), clear) {
		t.Error("encrypted cookie holds the token in clear")
	}
	if got, _, err := read(m, c); got != "secret-token" || err != nil {
		t.Errorf("got %q, %v, want secret-token, nil", got, err)
	}
}

func TestCookieAttributes(t *testing.T) {
	p := Policy{SameSite: http.SameSiteNoneMode, Secure: true,
		Partitioned: true, Domain: "example.test", MaxAge: time.Hour}
	m := mustNew(t, p, testKey('a'))

	rec := httptest.NewRecorder()
	if err := m.Issue(rec, "tok"); err != nil {
		t.Fatalf("Issue: %v", err)
	}
	m.Clear(rec)
	lines := rec.Result().Header.Values("Set-Cookie")
	if len(lines) != 2 {
		t.Fatalf("got %d Set-Cookie lines, want 2", len(lines))
	}

	const attrs = "; Path=/; Domain=example.test; %s; " +
		"HttpOnly; Secure; SameSite=None; Partitioned"
	wantIssue := strings.Replace(attrs, "%s", "Max-Age=3600", 1)
	wantClear := strings.Replace(attrs, "%s", "Max-Age=0", 1)
	if !strings.HasSuffix(lines[0], wantIssue) {
		t.Errorf("issue: got %q, want suffix %q", lines[0], wantIssue)
	}
	if lines[1] != DefaultName+"="+wantClear {
		t.Errorf("clear: got %q, want %q", lines[1], DefaultName+"="+wantClear)
	}
}

func TestNewRefuses(t *testing.T) {
	one := []Key{testKey('a')}
	tests := []struct {
		name string
		p    Policy
		keys []Key
		want error
	}{
		{"no keys", Policy{}, nil, ErrNoKeys},
		{"short key", Policy{}, []Key{{Hash: make([]byte, 31)}}, ErrShortKey},
		{"bad block key", Policy{},
			[]Key{{Hash: make([]byte, 32), Block: make([]byte, 20)}},
			ErrBlockKeySize},
		{"bad name", Policy{Name: "user token"}, one, ErrName},
		{"bad domain", Policy{Domain: "http://x"}, one, ErrDomain},
		{"None without Secure", Policy{SameSite: http.SameSiteNoneMode}, one,
			ErrNoneNeedsSecure},
		{"Partitioned without Secure", Policy{Partitioned: true}, one,
			ErrPartitionedNeedsSecure},
		{"__Host- without Secure", Policy{Name: "__Host-t"}, one, ErrHostPrefix},
		{"__host- with Domain",
			Policy{Name: "__host-t", Secure: true, Domain: "a.test"}, one,
			ErrHostPrefix},
		{"__Secure- without Secure", Policy{Name: "__Secure-t"}, one,
			ErrSecurePrefix},
		{"negative MaxAge", Policy{MaxAge: -time.Second}, one, ErrMaxAge},
		{"fractional MaxAge", Policy{MaxAge: 1500 * time.Millisecond}, one,
			ErrMaxAge},
		{"MaxAge over 400 days", Policy{MaxAge: MaxMaxAge + time.Second}, one,
			ErrMaxAge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.p, tt.keys); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCookieSizeBound(t *testing.T) {
	if _, err := New(Policy{Name: strings.Repeat("n", MaxNameLen+1)},
		[]Key{testKey('a')}); !errors.Is(err, ErrNameLen) {
		t.Errorf("name over MaxNameLen: got %v, want %v", err, ErrNameLen)
	}

	// The longest name with the largest value still fits in a browser's cookie.
	key := testKey('a')
	key.Block = make([]byte, 32)
	m := mustNew(t, Policy{Name: strings.Repeat("n", MaxNameLen)}, key)
	c := issue(t, m, NewToken())
	if size := len(c.Name) + 1 + len(c.Value); size > 1024 {
		t.Errorf("got a cookie of %d bytes, want at most 1024", size)
	}
}

func TestParseKeys(t *testing.T) {
	raw := []byte(strings.Repeat("k", 32))
	aes := []byte(strings.Repeat("b", 24))
	std64 := base64.StdEncoding.EncodeToString
	std := std64(raw)
	url := base64.RawURLEncoding.EncodeToString(raw)

	tests := []struct {
		name    string
		in      string
		want    int
		wantErr error
	}{
		{"standard padded", std, 1, nil},
		{"url raw", url, 1, nil},
		{"with block key", url + ":" + std64(aes), 1, nil},
		{"several, spaces, newline", " " + url + " ,\n" + std + "\n", 2, nil},
		{"empty", " , ", 0, ErrNoKeys},
		{"bad base64", "not*base64", 0, ErrKeyEncoding},
		{"short", std64(raw[:16]), 0, ErrShortKey},
		{"bad block size", url + ":" + std64(aes[:20]), 0, ErrBlockKeySize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseKeys(tt.in)
			if len(keys) != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("got %d keys, %v, want %d, %v",
					len(keys), err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFormatKeysRoundTrip(t *testing.T) {
	encrypting := testKey('b')
	encrypting.Block = make([]byte, 32)
	keys := []Key{testKey('a'), encrypting}

	got, err := ParseKeys(FormatKeys(keys))
	if err != nil || len(got) != 2 ||
		string(got[1].Block) != string(keys[1].Block) {
		t.Errorf("got %v, %v, want the keys back", got, err)
	}

	if _, err := ParseKeys(NewKey()); err != nil {
		t.Errorf("NewKey: %v", err)
	}
}

func TestNewTokenIsFresh(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || len(a) != 43 {
		t.Errorf("got %q and %q, want two different 43-character tokens", a, b)
	}
}

func FuzzDecode(f *testing.F) {
	m, err := New(Policy{}, []Key{testKey('a'), testKey('b')})
	if err != nil {
		f.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Issue(rec, "tok")
	f.Add(rec.Result().Cookies()[0].Value)
	f.Add("")
	f.Add("MTIzfA==")
	f.Add("fHx8")

	f.Fuzz(func(t *testing.T, value string) {
		token, _, err := m.verify(value)
		if err == nil && token != "tok" {
			t.Errorf("forged value verified: %q", token)
		}
		if err != nil && !errors.Is(err, ErrInvalid) &&
			!errors.Is(err, ErrExpired) {
			t.Errorf("got %v, want ErrInvalid or ErrExpired", err)
		}
	})
}

package rampartest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
)

// JSON2 calls /json/2/<model>/<method> with an API key.
type JSON2 struct {
	URL, Key string
	HTTP     *http.Client
}

// JSON2 is a JSON-2 client with the demo user's API key ("" for none).
func (a *App) JSON2(login string) *JSON2 {
	return &JSON2{URL: a.URL, Key: a.DemoKeys[login], HTTP: http.DefaultClient}
}

// Call posts body (nil: {}) and returns the status, the decoded result or
// error body, and the raw body.
func (c *JSON2) Call(t testing.TB, model, method string, body map[string]any) (int, any, []byte) {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	return c.Post(t, "/json/2/"+model+"/"+method, body)
}

// Post posts a JSON body to any path with the key.
func (c *JSON2) Post(t testing.TB, path string, body any) (int, any, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", c.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	if len(raw) > 0 && json.Valid(raw) {
		json.Unmarshal(raw, &v)
	}
	return resp.StatusCode, v, raw
}

// Session is a JSON-RPC client with a session cookie.
type Session struct {
	URL  string
	HTTP *http.Client
	// UID is the logged-in user's id (0 when anonymous).
	UID int64
}

// Session logs the demo user in over /web/session/authenticate (password
// = login); login "" gives an anonymous client with an empty cookie jar.
func (a *App) Session(t testing.TB, login string) *Session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &Session{URL: a.URL, HTTP: &http.Client{Jar: jar}}
	if login == "" {
		return s
	}
	return s.Login(t, a.Config.DBName, login, login)
}

// Login authenticates the session; it fails the test when refused.
func (s *Session) Login(t testing.TB, db, login, password string) *Session {
	t.Helper()
	res, name, msg := s.Post(t, "/web/session/authenticate", map[string]any{"db": db, "login": login, "password": password})
	if name != "" {
		t.Fatalf("login %s: %s %s", login, name, msg)
	}
	m, _ := res.(map[string]any)
	uid, ok := m["uid"].(float64)
	if !ok {
		t.Fatalf("login %s: %v", login, res)
	}
	s.UID = int64(uid)
	return s
}

// CallKW calls /web/dataset/call_kw; it returns the result, or Odoo's
// error name and message.
func (s *Session) CallKW(t testing.TB, model, method string, args []any, kwargs map[string]any) (any, string, string) {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	return s.Post(t, "/web/dataset/call_kw", map[string]any{"model": model, "method": method, "args": args, "kwargs": kwargs})
}

// Post sends a JSON-RPC call to path; a transport failure or a status
// other than 200 fails the test.
func (s *Session) Post(t testing.TB, path string, params map[string]any) (any, string, string) {
	t.Helper()
	status, res, name, msg := s.PostStatus(t, path, params)
	if status != http.StatusOK {
		t.Fatalf("%s: status %d", path, status)
	}
	return res, name, msg
}

// PostStatus is Post that returns the status instead of requiring 200.
func (s *Session) PostStatus(t testing.TB, path string, params map[string]any) (int, any, string, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
	resp, err := s.HTTP.Post(s.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result any `json:"result"`
		Error  *struct {
			Data struct{ Name, Message string } `json:"data"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, nil, "", ""
		}
		t.Fatalf("%s: status %d, undecodable body: %v", path, resp.StatusCode, err)
	}
	if out.Error != nil {
		return resp.StatusCode, nil, out.Error.Data.Name, out.Error.Data.Message
	}
	return resp.StatusCode, out.Result, "", ""
}

package httpd

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSecurityHeaders(t *testing.T) {
	okAuth := authFunc(func(r *Request) error { return nil })
	_, h, _ := testServer(t, func(s *Server) { s.Auth = okAuth },
		&Route{Path: "/page", Auth: AuthNone, Handler: func(*Request) (any, error) { return "<p>x</p>", nil }},
		&Route{Path: "/data", Type: TypeJSON2, Auth: AuthNone, Handler: echo},
		&Route{Path: "/mine", Type: TypeJSON2, Auth: AuthUser, Handler: echo},
		&Route{Path: "/own-csp", Auth: AuthNone, Handler: func(r *Request) (any, error) {
			r.Header().Set("Content-Security-Policy", "default-src 'self'")
			return "<p>x</p>", nil
		}},
		&Route{Path: "/cookie", Auth: AuthNone, Handler: func(r *Request) (any, error) {
			http.SetCookie(r.W, &http.Cookie{Name: "c", Value: "v"})
			return "<p>x</p>", nil
		}},
	)
	cases := []struct {
		method, path string
		want         map[string]string
	}{
		{"GET", "/page", map[string]string{"Content-Security-Policy": cspHTML, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin", "Cache-Control": "", "Strict-Transport-Security": ""}},
		{"POST", "/data", map[string]string{"Content-Security-Policy": cspData, "Cache-Control": "", "Cross-Origin-Opener-Policy": ""}},
		{"POST", "/mine", map[string]string{"Content-Security-Policy": cspData, "Cache-Control": "no-store"}},
		{"GET", "/own-csp", map[string]string{"Content-Security-Policy": "default-src 'self'"}},
		{"GET", "/cookie", map[string]string{"Cache-Control": "no-store"}},
		{"GET", "/missing", map[string]string{"Content-Security-Policy": cspHTML, "X-Frame-Options": "DENY"}},
		{"POST", "/api/missing", map[string]string{"Content-Security-Policy": cspData}},
	}
	for _, c := range cases {
		ct := "application/json"
		if c.method == "GET" {
			ct = ""
		}
		w := do(h, c.method, c.path, ct, "{}")
		for k, v := range c.want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, k, got, v)
			}
		}
	}
}

type authFunc func(*Request) error

func (f authFunc) Authenticate(r *Request) error { return f(r) }

// TestTLSHandshakeAndHSTS serves the pipeline over a real TLS listener:
// the answer carries HSTS; the same server over plain HTTP does not, even
// when an untrusted client claims X-Forwarded-Proto: https.
func TestTLSHandshakeAndHSTS(t *testing.T) {
	_, h, _ := testServer(t, nil, &Route{Path: "/page", Auth: AuthNone, Handler: func(r *Request) (any, error) {
		if r.TLS {
			return "tls", nil
		}
		return "plain", nil
	}})
	ts := httptest.NewUnstartedServer(h)
	ts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	ts.StartTLS()
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "tls" || resp.TLS == nil || resp.Header.Get("Strict-Transport-Security") != hstsLocal { // served on 127.0.0.1
		t.Errorf("TLS: body %q, HSTS %q", body, resp.Header.Get("Strict-Transport-Security"))
	}

	plain := httptest.NewServer(h)
	defer plain.Close()
	req, _ := http.NewRequest("GET", plain.URL+"/page", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "plain" || resp.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("spoofed proto: body %q, HSTS %q", body, resp.Header.Get("Strict-Transport-Security"))
	}
}

func TestSpoofedForwardingHeaders(t *testing.T) {
	var seen string
	var tlsSeen bool
	route := &Route{Path: "/ip", Auth: AuthNone, Handler: func(r *Request) (any, error) {
		seen, tlsSeen = r.Client.String(), r.TLS
		return "", nil
	}}
	_, h, _ := testServer(t, func(s *Server) { s.cfg.TrustedProxies = mustPrefixes("10.0.0.0/8", "fd00::/8") }, route)
	cases := []struct {
		name, remote string
		hdr          []string
		ip           string
		tls          bool
	}{
		{"untrusted peer, forged chain", "203.0.113.9:1", []string{"X-Forwarded-For", "127.0.0.1, 10.0.0.1", "X-Forwarded-Proto", "https", "X-Real-Ip", "127.0.0.1", "Forwarded", "for=127.0.0.1;proto=https"}, "203.0.113.9", false},
		{"untrusted loopback claim", "198.51.100.1:1", []string{"X-Forwarded-For", "::1"}, "198.51.100.1", false},
		{"trusted proxy, client prepends a fake hop", "10.0.0.5:1", []string{"X-Forwarded-For", "1.1.1.1, 192.0.2.44"}, "192.0.2.44", false},
		{"trusted proxy, garbage hop stops the walk", "10.0.0.5:1", []string{"X-Forwarded-For", "192.0.2.1, not-an-ip, 10.0.0.9"}, "10.0.0.9", false},
		{"trusted IPv6 proxy", "[fd00::1]:1", []string{"X-Forwarded-For", "2001:db8::7", "X-Forwarded-Proto", "https"}, "2001:db8::7", true},
		{"IPv4-mapped peer is unmapped", "[::ffff:203.0.113.9]:1", []string{"X-Forwarded-For", "1.2.3.4"}, "203.0.113.9", false},
		{"trusted proxy, odd proto", "10.0.0.5:1", []string{"X-Forwarded-Proto", "javascript"}, "10.0.0.5", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/ip", nil)
		r.RemoteAddr = c.remote
		for i := 0; i+1 < len(c.hdr); i += 2 {
			r.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if seen != c.ip || tlsSeen != c.tls {
			t.Errorf("%s: ip %s tls %v, want %s %v", c.name, seen, tlsSeen, c.ip, c.tls)
		}
		if (w.Header().Get("Strict-Transport-Security") != "") != c.tls {
			t.Errorf("%s: HSTS %q", c.name, w.Header().Get("Strict-Transport-Security"))
		}
	}
}

// serveReal runs the server on a loopback listener with cfg's limits.
func serveReal(t *testing.T, mutate func(*Server), routes ...*Route) string {
	t.Helper()
	s, h, _ := testServer(t, mutate, routes...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln, s.HTTPServer(h)); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func TestSlowClientHeaderTimeout(t *testing.T) {
	called := false
	addr := serveReal(t, func(s *Server) { s.cfg.ReadHeaderTimeout = 100 * time.Millisecond; s.cfg.ShutdownTimeout = time.Second },
		&Route{Path: "/", Auth: AuthNone, Handler: func(*Request) (any, error) { called = true; return "x", nil }})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ") // half a header, then silence
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(c) // the server must hang up on its own
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("connection held for %v", d)
	}
	if called || strings.Contains(string(b), "200 OK") {
		t.Errorf("slow request served: %q", b)
	}
}

func TestOversizedRequests(t *testing.T) {
	addr := serveReal(t, func(s *Server) { s.cfg.MaxHeaderBytes = 1024 },
		&Route{Path: "/j", Type: TypeJSON2, Auth: AuthNone, Handler: echo},
		&Route{Path: "/f", Auth: AuthNone, Methods: []string{"POST"}, CSRF: new(bool), Handler: func(*Request) (any, error) { return "ok", nil }})
	send := func(raw string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, raw)
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimSpace(line)
	}
	big := strings.Repeat("x", 2000) // over the test server's 1 KiB body limit
	cases := []struct{ name, raw, want string }{
		{"header block over the limit", "GET /j HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", "HTTP/1.1 431"},
		{"declared length over the limit", "POST /j HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999\r\n\r\n{}", "HTTP/1.1 413"},
		{"chunked body over the limit", "POST /j HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n{\"a\":\"" + big[:1994] + "\"}\r\n0\r\n\r\n", "HTTP/1.1 413"},
		{"form body over the limit", "POST /f HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2002\r\n\r\na=" + big, "HTTP/1.1 413"},
		{"within limits", "POST /j HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", "HTTP/1.1 200 OK"},
	}
	for _, c := range cases {
		if got := send(c.raw); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSlowClientBody: a client that sends its headers and then trickles
// (or stops sending) the body is cut off by ReadTimeout; the handler never
// runs.
func TestSlowClientBody(t *testing.T) {
	called := false
	addr := serveReal(t, func(s *Server) { s.cfg.ReadTimeout = 150 * time.Millisecond; s.cfg.ShutdownTimeout = time.Second },
		&Route{Path: "/j", Type: TypeJSON2, Auth: AuthNone, Handler: func(*Request) (any, error) { called = true; return "x", nil }})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /j HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(c)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("connection held for %v", d)
	}
	if called || strings.Contains(string(b), "200 OK") {
		t.Errorf("slow body served: %q", b)
	}
}

package tlsutil

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/httpd"
)

func TestValidatePolicy(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	writePair(t, certFile, keyFile, time.Now())
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}
	prod := func(addr string, p ...netip.Prefix) Deployment {
		return Deployment{Addr: addr, TrustedProxies: p, Production: true}
	}
	cases := []struct {
		name string
		cfg  Config
		dep  Deployment
		err  string // "" = valid; else a substring naming the key
	}{
		{"plain on loopback", Config{}, prod("127.0.0.1:8069"), ""},
		{"plain on localhost", Config{}, prod("localhost:8069"), ""},
		{"plain on ::1", Config{}, prod("[::1]:8069"), ""},
		{"plain on all interfaces", Config{}, prod(":8069"), "tls.mode"},
		{"plain on a public address", Config{}, prod("203.0.113.5:80"), "plain HTTP"},
		{"plain on a public address in dev", Config{}, Deployment{Addr: "0.0.0.0:8069"}, ""},
		{"plain with proxies but no proxy mode", Config{}, prod("0.0.0.0:8069", proxies...), "tls.mode"},
		{"proxy mode with proxies", Config{Mode: ModeProxy}, prod("0.0.0.0:8069", proxies...), ""},
		{"proxy mode without proxies", Config{Mode: ModeProxy}, prod("0.0.0.0:8069"), "http.trusted_proxies"},
		{"proxy mode trusting everyone", Config{Mode: ModeProxy}, prod("0.0.0.0:8069", netip.MustParsePrefix("0.0.0.0/0")), "trusts every address"},
		{"files", Config{Mode: ModeFiles, CertFile: certFile, KeyFile: keyFile}, prod(":443"), ""},
		{"files missing", Config{Mode: ModeFiles, CertFile: certFile}, prod(":443"), "tls.key_file"},
		{"files absent", Config{Mode: ModeFiles, CertFile: certFile, KeyFile: filepath.Join(dir, "nope")}, prod(":443"), "tls.key_file"},
		{"acme", Config{Mode: ModeACME, ACME: ACMEConfig{Domains: []string{"api.example.com"}, AcceptTOS: true}}, prod(":443"), ""},
		{"acme no tos", Config{Mode: ModeACME, ACME: ACMEConfig{Domains: []string{"api.example.com"}}}, prod(":443"), "tls.acme.accept_tos"},
		{"acme no domains", Config{Mode: ModeACME, ACME: ACMEConfig{AcceptTOS: true}}, prod(":443"), "tls.acme.domains"},
		{"acme ip", Config{Mode: ModeACME, ACME: ACMEConfig{Domains: []string{"203.0.113.5"}, AcceptTOS: true}}, prod(":443"), "tls.acme.domains"},
		{"acme wildcard", Config{Mode: ModeACME, ACME: ACMEConfig{Domains: []string{"*.example.com"}, AcceptTOS: true}}, prod(":443"), "tls.acme.domains"},
		{"acme http directory", Config{Mode: ModeACME, ACME: ACMEConfig{Domains: []string{"a.example.com"}, AcceptTOS: true, DirectoryURL: "http://ca.example/dir"}}, prod(":443"), "tls.acme.directory_url"},
		{"self-signed in dev", Config{Mode: ModeSelfSigned, SelfSignedHosts: []string{"dev.local", "192.168.1.5"}}, Deployment{Addr: ":8443"}, ""},
		{"self-signed in production", Config{Mode: ModeSelfSigned}, prod(":8443"), "self_signed"},
		{"self-signed bad host", Config{Mode: ModeSelfSigned, SelfSignedHosts: []string{"bad host"}}, Deployment{Addr: ":8443"}, "tls.self_signed_hosts"},
		{"redirect", Config{Mode: ModeFiles, CertFile: certFile, KeyFile: keyFile, RedirectAddr: ":80"}, prod(":443"), ""},
		{"redirect without tls", Config{RedirectAddr: ":80"}, prod("127.0.0.1:8069"), "tls.redirect_addr"},
		{"redirect same addr", Config{Mode: ModeFiles, CertFile: certFile, KeyFile: keyFile, RedirectAddr: ":443"}, prod(":443"), "tls.redirect_addr"},
		{"unknown mode", Config{Mode: "sometimes"}, prod(":443"), "tls.mode"},
	}
	for _, c := range cases {
		c.cfg.Defaults()
		err := c.cfg.Validate(c.dep)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.err)
		}
	}
}

func writePair(t *testing.T, certFile, keyFile string, now time.Time) []byte {
	t.Helper()
	c, k, err := makeSelfSigned([]string{"localhost", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, k, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, c, 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

// serveTLS serves h on a loopback listener of setup and returns its address.
func serveTLS(t *testing.T, s *Setup, h http.Handler) string {
	t.Helper()
	ln, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

func clientFor(t *testing.T, certFile string, tweak func(*tls.Config)) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	cfg := &tls.Config{RootCAs: pool}
	if tweak != nil {
		tweak(cfg)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}, Timeout: 5 * time.Second}
}

// TestSelfSignedHandshake serves rampart's real pipeline over the
// self-signed certificate: the handshake verifies against the cached
// certificate, HSTS is on the answer, and old protocol versions or CBC-only
// clients are refused.
func TestSelfSignedHandshake(t *testing.T) {
	dir := t.TempDir()
	c := Config{Mode: ModeSelfSigned}
	c.Defaults()
	s, err := Build(c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	hcfg := httpd.Config{}
	hcfg.Defaults()
	srv := httpd.New(hcfg, slog.New(slog.DiscardHandler))
	if err := srv.Register(&httpd.Route{Path: "/hello", Auth: httpd.AuthNone, Handler: func(*httpd.Request) (any, error) { return "hi", nil }}); err != nil {
		t.Fatal(err)
	}
	h, err := srv.Handler()
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, s, h)
	certFile := filepath.Join(dir, "tls", "selfsigned.crt")

	resp, err := clientFor(t, certFile, nil).Get("https://" + addr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi" || resp.TLS.Version < tls.VersionTLS12 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("body %q, version %x, HSTS %q", body, resp.TLS.Version, resp.Header.Get("Strict-Transport-Security"))
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("HTTP/%d, want HTTP/2", resp.ProtoMajor)
	}
	for name, tweak := range map[string]func(*tls.Config){
		"TLS 1.1": func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11 },
		"CBC only": func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}
		},
	} {
		if _, err := clientFor(t, certFile, tweak).Get("https://" + addr + "/hello"); err == nil {
			t.Errorf("%s client accepted", name)
		}
	}

	// The certificate is cached: a second start serves the same one.
	first, _ := os.ReadFile(certFile)
	if _, err := Build(c, dir, nil); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(certFile)
	if string(first) != string(again) {
		t.Error("self-signed certificate regenerated although still valid")
	}
	if st, _ := os.Stat(filepath.Join(dir, "tls", "selfsigned.key")); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", st.Mode().Perm())
	}
	// A new host forces a new certificate that covers it.
	c.SelfSignedHosts = []string{"dev.example"}
	s2, err := Build(c, dir, nil)
	if err != nil || s2.TLS.Certificates[0].Leaf.VerifyHostname("dev.example") != nil {
		t.Errorf("extra host not covered: %v", err)
	}
}

func TestFilesReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	now := time.Now()
	a := writePair(t, certFile, keyFile, now)
	clock := now
	r, err := newReloader(certFile, keyFile, slog.New(slog.DiscardHandler), func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	leafPEM := func() string {
		c, _ := r.getCertificate(nil)
		return string(c.Certificate[0])
	}
	first := leafPEM()
	b := writePair(t, certFile, keyFile, now.Add(time.Hour))
	future := now.Add(2 * time.Second)
	os.Chtimes(certFile, future, future)
	os.Chtimes(keyFile, future, future)
	if leafPEM() != first {
		t.Error("reloaded before the check interval")
	}
	clock = clock.Add(reloadEvery)
	second := leafPEM()
	if second == first || string(a) == string(b) {
		t.Error("renewed certificate not picked up")
	}
	os.WriteFile(certFile, []byte("garbage"), 0o644)
	later := future.Add(time.Second)
	os.Chtimes(certFile, later, later)
	clock = clock.Add(reloadEvery)
	if leafPEM() != second {
		t.Error("a broken renewal replaced the working certificate")
	}
	if _, err := Build(Config{Mode: ModeFiles, CertFile: certFile, KeyFile: keyFile}, dir, nil); err == nil {
		t.Error("Build accepted a broken certificate file")
	}
}

// TestACMEWiring checks the autocert set-up without a CA: the cache
// directory, the TLS-ALPN protocol, the host policy (a handshake for an
// unlisted name fails before any network call) and the HTTP-01 handler on
// the redirect listener.
func TestACMEWiring(t *testing.T) {
	dir := t.TempDir()
	c := Config{Mode: ModeACME, RedirectAddr: "127.0.0.1:0", ACME: ACMEConfig{
		Domains: []string{"api.example.com"}, AcceptTOS: true, Email: "ops@example.com",
		DirectoryURL: "https://127.0.0.1:1/directory", // never reached
	}}
	c.Defaults()
	if err := c.Validate(Deployment{Addr: ":443", Production: true}); err != nil {
		t.Fatal(err)
	}
	s, err := Build(c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "acme")); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir: %v", err)
	}
	if !strings.Contains(strings.Join(s.TLS.NextProtos, ","), "acme-tls/1") || s.TLS.MinVersion != tls.VersionTLS12 {
		t.Errorf("tls config: %+v", s.TLS.NextProtos)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = s.TLS.GetCertificate(&tls.ClientHelloInfo{ServerName: "evil.example.net", Conn: nil, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}})
	if err == nil || ctx.Err() != nil {
		t.Errorf("unlisted host: %v", err)
	}
	rs := s.RedirectServer(":443")
	w := httptest.NewRecorder()
	rs.Handler.ServeHTTP(w, httptest.NewRequest("GET", "http://api.example.com/.well-known/acme-challenge/unknown-token", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("unknown challenge: %d", w.Code)
	}
	w = httptest.NewRecorder()
	rs.Handler.ServeHTTP(w, httptest.NewRequest("GET", "http://api.example.com/web/login?redirect=%2Fx", nil))
	if w.Code != http.StatusPermanentRedirect || w.Header().Get("Location") != "https://api.example.com/web/login?redirect=%2Fx" {
		t.Errorf("redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestRedirectHandler(t *testing.T) {
	cases := []struct {
		method, host, target, port string
		status                     int
		location                   string
	}{
		{"GET", "example.com", "/a?b=1", "443", 308, "https://example.com/a?b=1"},
		{"HEAD", "example.com:80", "/", "8443", 308, "https://example.com:8443/"},
		{"GET", "[2001:db8::1]:80", "/x", "443", 308, "https://[2001:db8::1]/x"},
		{"GET", "example.com", "//evil.example/x", "443", 308, "https://example.com//evil.example/x"},
		{"POST", "example.com", "/web/login", "443", 403, ""},
		{"GET", "evil.example/x?", "/", "443", 400, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "http://placeholder"+c.target, nil)
		r.Host = c.host
		w := httptest.NewRecorder()
		redirectHandler(c.port).ServeHTTP(w, r)
		if w.Code != c.status || w.Header().Get("Location") != c.location {
			t.Errorf("%s %s%s: %d %q, want %d %q", c.method, c.host, c.target, w.Code, w.Header().Get("Location"), c.status, c.location)
		}
	}
	var s Setup
	if s.RedirectServer(":443") != nil {
		t.Error("redirect server without redirect_addr")
	}
}

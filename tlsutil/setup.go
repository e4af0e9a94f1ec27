package tlsutil

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// Setup is a built TLS configuration: what to serve the main listener
// with, and the redirect server if one is configured.
type Setup struct {
	// TLS is the server's TLS configuration; nil in modes off and proxy
	// (plain HTTP).
	TLS *tls.Config
	cfg Config
	// acme is set in mode acme: the redirect listener answers HTTP-01
	// challenges through it.
	acme *autocert.Manager
	log  *slog.Logger
}

// Build prepares the certificates of a validated configuration. dataDir
// holds the ACME cache and the self-signed certificate. In mode files the
// pair is loaded now, so a bad file stops start-up.
func Build(c Config, dataDir string, log *slog.Logger) (*Setup, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Setup{cfg: c, log: log}
	switch c.Mode {
	case ModeOff, ModeProxy, "":
		return s, nil
	case ModeFiles:
		r, err := newReloader(c.CertFile, c.KeyFile, log, time.Now)
		if err != nil {
			return nil, err
		}
		s.TLS = serverTLS()
		s.TLS.GetCertificate = r.getCertificate
	case ModeSelfSigned:
		cert, err := selfSigned(filepath.Join(dataDir, "tls"), c.SelfSignedHosts, time.Now(), log)
		if err != nil {
			return nil, err
		}
		s.TLS = serverTLS()
		s.TLS.Certificates = []tls.Certificate{*cert}
	case ModeACME:
		dir := c.ACME.CacheDir
		if dir == "" {
			dir = filepath.Join(dataDir, "acme")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("tls.acme.cache_dir: %w", err)
		}
		s.acme = &autocert.Manager{
			Prompt:     autocert.AcceptTOS, // Validate insists on accept_tos
			Cache:      autocert.DirCache(dir),
			HostPolicy: autocert.HostWhitelist(c.ACME.Domains...),
			Email:      c.ACME.Email,
		}
		if c.ACME.DirectoryURL != "" {
			s.acme.Client = &acme.Client{DirectoryURL: c.ACME.DirectoryURL}
		}
		s.TLS = serverTLS()
		s.TLS.GetCertificate = s.acme.GetCertificate
		// TLS-ALPN-01 challenges arrive on the TLS listener itself.
		s.TLS.NextProtos = append(s.TLS.NextProtos, acme.ALPNProto)
	default:
		return nil, fmt.Errorf("tls.mode %q: want off, files, acme, self_signed or proxy", c.Mode)
	}
	return s, nil
}

// serverTLS is rampart's protocol policy: TLS 1.2 at least; for TLS 1.2
// only ECDHE key exchange with AEAD ciphers (forward secrecy, no CBC, no
// RSA key transport); TLS 1.3 suites are Go's (all AEAD, not
// configurable); the hybrid post-quantum X25519MLKEM768 first, then X25519
// and the NIST curves for older clients. HTTP/2 is offered.
func serverTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256, tls.CurveP384},
		NextProtos:       []string{"h2", "http/1.1"},
	}
}

// Listen opens the main listener on addr: TLS when the mode has a
// certificate, plain TCP in modes off and proxy.
func (s *Setup) Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if s.TLS == nil {
		return ln, nil
	}
	return tls.NewListener(ln, s.TLS), nil
}

// RedirectServer is the plain-HTTP server for Config.RedirectAddr, nil
// when none is configured. httpsAddr is the main listener's address; its
// port is kept in the redirect target unless it is 443. In mode acme it
// also answers HTTP-01 challenges. Serve it on net.Listen("tcp",
// RedirectAddr) and shut it down with the main server.
func (s *Setup) RedirectServer(httpsAddr string) *http.Server {
	if s.cfg.RedirectAddr == "" {
		return nil
	}
	_, port, _ := net.SplitHostPort(httpsAddr)
	var h http.Handler = redirectHandler(port)
	if s.acme != nil {
		h = s.acme.HTTPHandler(h)
	}
	return &http.Server{
		Addr:              s.cfg.RedirectAddr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Package tlsutil is rampart's TLS set-up: certificates from files
// (reloaded when they change), from an ACME CA through autocert (cached in
// the data directory), or self-signed for local development (generated
// once, cached in the data directory); the HTTP→HTTPS redirect listener
// (which also answers ACME HTTP-01 challenges); modern protocol settings;
// and the production policy that refuses to serve cookie sessions over
// plain HTTP on a non-loopback address.
//
// HSTS is not set here: package httpd sends it on every answer that came
// over TLS, directly or from a trusted proxy that says https.
//
// The integrator embeds Config (under `tls:`), calls Validate with the
// HTTP side of the configuration before opening anything, then Build, and
// serves httpd's handler on Setup.Listen and, when configured, the
// redirect server on Setup.RedirectServer.
package tlsutil

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
)

// Mode says where the server's certificate comes from.
type Mode string

// Modes.
const (
	// ModeOff serves plain HTTP. In production only on a loopback address.
	ModeOff Mode = "off"
	// ModeFiles serves the certificate and key in CertFile and KeyFile.
	ModeFiles Mode = "files"
	// ModeACME obtains certificates from an ACME CA (Let's Encrypt by
	// default) for ACME.Domains.
	ModeACME Mode = "acme"
	// ModeSelfSigned generates a self-signed certificate for local
	// development. Refused in production.
	ModeSelfSigned Mode = "self_signed"
	// ModeProxy serves plain HTTP to a reverse proxy that terminates TLS;
	// the proxy's addresses must be in http.trusted_proxies, so its
	// X-Forwarded-Proto (and only its) is believed.
	ModeProxy Mode = "proxy"
)

// Config is the TLS configuration (yaml under `tls:`).
type Config struct {
	// Mode: off (default), files, acme, self_signed or proxy.
	Mode Mode `yaml:"mode"`
	// CertFile and KeyFile are PEM files (mode files). They are re-read
	// when their modification time changes, so a renewed certificate is
	// picked up without a restart.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ACME configures mode acme.
	ACME ACMEConfig `yaml:"acme"`
	// SelfSignedHosts are extra names and addresses for the self-signed
	// certificate (localhost, 127.0.0.1 and ::1 are always included).
	SelfSignedHosts []string `yaml:"self_signed_hosts"`
	// RedirectAddr, when set (e.g. ":80"), serves a plain-HTTP listener
	// that redirects GET and HEAD to HTTPS (and answers ACME HTTP-01
	// challenges in mode acme). Other methods are refused: their body
	// already crossed the network in clear, and silently redirecting
	// would hide the mistake.
	RedirectAddr string `yaml:"redirect_addr"`
}

// ACMEConfig configures automatic certificates.
type ACMEConfig struct {
	// Domains the certificate is requested for; a handshake for any other
	// name is refused before the CA is contacted.
	Domains []string `yaml:"domains"`
	// Email is given to the CA for expiry notices (optional).
	Email string `yaml:"email"`
	// AcceptTOS must be true: it records that the operator accepts the CA's
	// terms of service.
	AcceptTOS bool `yaml:"accept_tos"`
	// DirectoryURL is the CA's ACME directory (default Let's Encrypt).
	DirectoryURL string `yaml:"directory_url"`
	// CacheDir keeps account keys and certificates (default
	// <data dir>/acme). It holds private keys: created 0700.
	CacheDir string `yaml:"cache_dir"`
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if c.Mode == "" {
		c.Mode = ModeOff
	}
}

// Deployment is what the TLS policy needs from the rest of the
// configuration.
type Deployment struct {
	// Addr is the main listener's address (http.addr).
	Addr string
	// TrustedProxies are http.trusted_proxies.
	TrustedProxies []netip.Prefix
	// Production is true unless the server runs in dev mode.
	Production bool
}

// Validate checks c (defaulted) against the deployment. Errors name the
// configuration key.
func (c *Config) Validate(d Deployment) error {
	switch c.Mode {
	case ModeOff:
		if d.Production && !loopbackAddr(d.Addr) {
			return fmt.Errorf("tls.mode: serving cookie sessions over plain HTTP on the non-loopback address %q is refused in production; "+
				"set tls.mode to files or acme, or, behind a TLS-terminating proxy, tls.mode: proxy with the proxy's addresses in http.trusted_proxies", d.Addr)
		}
	case ModeProxy:
		if len(d.TrustedProxies) == 0 {
			return errors.New("tls.mode proxy needs http.trusted_proxies listing the proxy's addresses")
		}
		for _, p := range d.TrustedProxies {
			if p.Bits() == 0 {
				return fmt.Errorf("http.trusted_proxies: %s trusts every address; list the proxy's addresses", p)
			}
		}
	case ModeFiles:
		if c.CertFile == "" || c.KeyFile == "" {
			return errors.New("tls.cert_file and tls.key_file are required with tls.mode files")
		}
		for key, p := range map[string]string{"tls.cert_file": c.CertFile, "tls.key_file": c.KeyFile} {
			if _, err := os.Stat(p); err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
		}
	case ModeACME:
		if err := c.ACME.validate(); err != nil {
			return err
		}
	case ModeSelfSigned:
		if d.Production {
			return errors.New("tls.mode self_signed is for development; in production use files or acme")
		}
		for _, h := range c.SelfSignedHosts {
			if !validHost(h) {
				return fmt.Errorf("tls.self_signed_hosts: %q is not a host name or address", h)
			}
		}
	default:
		return fmt.Errorf("tls.mode %q: want off, files, acme, self_signed or proxy", c.Mode)
	}
	if c.RedirectAddr != "" {
		if c.Mode == ModeOff || c.Mode == ModeProxy {
			return fmt.Errorf("tls.redirect_addr needs tls.mode files, acme or self_signed (with mode %s the redirect is not rampart's job)", c.Mode)
		}
		if _, _, err := net.SplitHostPort(c.RedirectAddr); err != nil {
			return fmt.Errorf("tls.redirect_addr %q: want HOST:PORT", c.RedirectAddr)
		}
		if c.RedirectAddr == d.Addr {
			return errors.New("tls.redirect_addr must differ from http.addr")
		}
	}
	return nil
}

func (a *ACMEConfig) validate() error {
	if len(a.Domains) == 0 {
		return errors.New("tls.acme.domains: at least one domain is required with tls.mode acme")
	}
	for _, d := range a.Domains {
		if _, err := netip.ParseAddr(d); err == nil || strings.Contains(d, "*") || !validHost(d) || !strings.Contains(d, ".") {
			return fmt.Errorf("tls.acme.domains: %q must be a public DNS name (no addresses, no wildcards)", d)
		}
	}
	if !a.AcceptTOS {
		return errors.New("tls.acme.accept_tos must be true: the CA's terms of service have to be accepted")
	}
	if a.Email != "" && (!strings.Contains(a.Email, "@") || strings.ContainsAny(a.Email, " <>")) {
		return fmt.Errorf("tls.acme.email %q is not an address", a.Email)
	}
	if a.DirectoryURL != "" {
		u, err := url.Parse(a.DirectoryURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("tls.acme.directory_url %q must be an https URL", a.DirectoryURL)
		}
	}
	return nil
}

// loopbackAddr reports whether a listen address only accepts local
// connections: a loopback IP or "localhost". An empty host (all
// interfaces) is not loopback.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// validHost accepts an IP address or a DNS name of letters, digits,
// hyphens and dots.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

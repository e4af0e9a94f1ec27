package tlsutil

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	selfSignedLifetime = 90 * 24 * time.Hour
	// selfSignedRenew: a cached certificate this close to expiry is replaced.
	selfSignedRenew = 7 * 24 * time.Hour
)

// selfSigned returns the development certificate cached in dir, making a
// new one (ECDSA P-256, 90 days, a leaf: no CA bit) when there is none, it
// expires within a week, or it does not cover every requested host. Its
// files are 0600 in a 0700 directory.
func selfSigned(dir string, extra []string, now time.Time, log *slog.Logger) (*tls.Certificate, error) {
	hosts := append([]string{"localhost", "127.0.0.1", "::1"}, extra...)
	certPath, keyPath := filepath.Join(dir, "selfsigned.crt"), filepath.Join(dir, "selfsigned.key")
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && c.Leaf != nil &&
		now.Add(selfSignedRenew).Before(c.Leaf.NotAfter) && covers(c.Leaf, hosts) {
		return &c, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tls: self-signed certificate: %w", err)
	}
	certPEM, keyPEM, err := makeSelfSigned(hosts, now)
	if err != nil {
		return nil, err
	}
	// WriteFile and MkdirAll set modes only on creation: files an older
	// version left readable are tightened too.
	for _, f := range []struct {
		path string
		data []byte
	}{{keyPath, keyPEM}, {certPath, certPEM}} {
		if err := writePrivate(f.path, f.data); err != nil {
			return nil, fmt.Errorf("tls: self-signed certificate: %w", err)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tls: self-signed certificate: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(c.Certificate[0])
	log.Warn("tls: generated a self-signed certificate for development; browsers will warn",
		"file", certPath, "hosts", hosts, "sha256", hex.EncodeToString(sum[:]))
	return &c, nil
}

// writePrivate writes data to path, readable by the owner only.
func writePrivate(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

func covers(leaf *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func makeSelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "rampart development", Organization: []string{"rampart"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(selfSignedLifetime),
		// A leaf, not a CA: a developer told to trust it must not thereby
		// trust anything it could sign for other names (its key sits in
		// the data directory).
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	for _, h := range slices.Compact(slices.Sorted(slices.Values(hosts))) {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	var cb, kb bytes.Buffer
	pem.Encode(&cb, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	pem.Encode(&kb, &pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	return cb.Bytes(), kb.Bytes(), nil
}

package tlsutil

import (
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The development certificate is a leaf for localhost: trusting it (as its
// users are told to) must not make it able to sign certificates for other
// names. Its files are 0600 in a 0700 directory, even when an older
// version left them readable.
func TestSelfSignedIsALeaf(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"selfsigned.crt", "selfsigned.key"} { // an expired, world-readable leftover
		if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := selfSigned(dir, nil, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "selfsigned.crt"))
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no certificate")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsCA || c.KeyUsage&x509.KeyUsageCertSign != 0 || !c.BasicConstraintsValid {
		t.Errorf("IsCA %v, KeyUsage %b, basic constraints %v: want a leaf", c.IsCA, c.KeyUsage, c.BasicConstraintsValid)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := c.VerifyHostname(h); err != nil {
			t.Errorf("%s not covered: %v", h, err)
		}
	}
	for _, f := range []string{"selfsigned.crt", "selfsigned.key"} {
		if st, _ := os.Stat(filepath.Join(dir, f)); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", st.Mode().Perm())
	}
}

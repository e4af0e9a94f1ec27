package audit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/audit"
)

// The checkpoint key is created owner-only and read back the same; a
// corrupt file is an error, not a new key.
func TestSigningKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit-signing.key")
	k1, err := audit.LoadOrCreateSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode().Perm(), err)
	}
	k2, err := audit.LoadOrCreateSigningKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("reloaded key differs: %v", err)
	}
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, err := audit.LoadOrCreateSigningKey(path); err == nil {
		t.Fatal("corrupt key accepted")
	}
}

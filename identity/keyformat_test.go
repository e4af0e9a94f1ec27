package identity

import (
	"strings"
	"testing"
)

func TestKeyFormat(t *testing.T) {
	k, err := newKeySecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(k) != 43 || !strings.HasPrefix(k, "rp_") || !wellFormedKey(k) {
		t.Fatalf("bad key %q", k)
	}
	flip := []byte(k)
	flip[10] ^= 1 // still base32? force another letter
	if flip[10] < 'a' || flip[10] > 'z' {
		flip[10] = 'a'
	}
	bad := []string{
		"", "rp_", k[:42], k + "a", strings.ToUpper(k), "xx" + k[2:],
		k[:len(k)-1] + string("abcdefghijklmnopqrstuvwxyz234567"[(strings.IndexByte("abcdefghijklmnopqrstuvwxyz234567", k[len(k)-1])+1)%32]),
		strings.Repeat("a", 40), "0123456789abcdef0123456789abcdef01234567", // an Odoo-style key
	}
	if string(flip) != k {
		bad = append(bad, string(flip))
	}
	for _, b := range bad {
		if wellFormedKey(b) {
			t.Errorf("wellFormedKey(%q) = true", b)
		}
	}
}

func FuzzWellFormedKey(f *testing.F) {
	key, _ := newKeySecret()
	for _, s := range []string{key, "rp_", "", key[:42] + "b", strings.ToUpper(key)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if wellFormedKey(s) && (len(s) != keyLen || !strings.HasPrefix(s, keyPrefix)) {
			t.Fatalf("accepted %q", s)
		}
	})
}

package identity

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"
	"testing"
	"time"
)

// TestTOTPRFC6238Vectors checks hotp against RFC 6238 Appendix B (8 digits,
// the three hash functions with their seeds), and the 6-digit code used in
// production against the same vectors' last six digits.
func TestTOTPRFC6238Vectors(t *testing.T) {
	seed := map[string][]byte{
		"SHA1":   []byte("12345678901234567890"),
		"SHA256": []byte("12345678901234567890123456789012"),
		"SHA512": []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	hs := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	vectors := []struct {
		unix int64
		alg  string
		code string
	}{
		{59, "SHA1", "94287082"}, {59, "SHA256", "46119246"}, {59, "SHA512", "90693936"},
		{1111111109, "SHA1", "07081804"}, {1111111109, "SHA256", "68084774"}, {1111111109, "SHA512", "25091201"},
		{1111111111, "SHA1", "14050471"}, {1111111111, "SHA256", "67062674"}, {1111111111, "SHA512", "99943326"},
		{1234567890, "SHA1", "89005924"}, {1234567890, "SHA256", "91819424"}, {1234567890, "SHA512", "93441116"},
		{2000000000, "SHA1", "69279037"}, {2000000000, "SHA256", "90698825"}, {2000000000, "SHA512", "38618901"},
		{20000000000, "SHA1", "65353130"}, {20000000000, "SHA256", "77737706"}, {20000000000, "SHA512", "47863826"},
	}
	for _, v := range vectors {
		at := time.Unix(v.unix, 0)
		if got := hotp(hs[v.alg], seed[v.alg], uint64(totpStepAt(at)), 8); got != v.code {
			t.Errorf("%s at %d: %s, want %s", v.alg, v.unix, got, v.code)
		}
		if v.alg != "SHA1" {
			continue
		}
		secret := b32.EncodeToString(seed["SHA1"])
		got, err := TOTPCode(secret, at)
		if err != nil || got != v.code[2:] {
			t.Errorf("TOTPCode at %d: %s, %v; want %s", v.unix, got, err, v.code[2:])
		}
	}
}

// TestTOTPWindow: the codes of the previous, current and next step are
// accepted, two steps away are not, and malformed codes never match.
func TestTOTPWindow(t *testing.T) {
	key := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	cur := totpStepAt(now)
	for d := int64(-3); d <= 3; d++ {
		code := hotp(sha1.New, key, uint64(cur+d), 6)
		step, ok := totpMatch(key, code, now)
		want := d >= -1 && d <= 1
		if ok != want || (ok && step != cur+d) {
			t.Errorf("offset %d: ok=%v step=%d, want ok=%v", d, ok, step, want)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "050471 "} {
		if _, ok := totpMatch(key, bad, now); ok {
			t.Errorf("%q matched", bad)
		}
	}
}

func TestTOTPSecretAndURI(t *testing.T) {
	s, err := newTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	k, err := decodeTOTPSecret(strings.ToLower(s[:4]) + " " + s[4:])
	if err != nil || len(k) != totpSecretSize {
		t.Fatalf("decode %q: %d bytes, %v", s, len(k), err)
	}
	u := TOTPURI("rampart", "alice@example.com", s)
	if !strings.HasPrefix(u, "otpauth://totp/rampart:alice@example.com?") || !strings.Contains(u, "secret="+s) {
		t.Fatalf("uri %s", u)
	}
}

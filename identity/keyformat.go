package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
)

// API key format: "rp_" + base32(168 random bits ‖ 32-bit checksum),
// lowercase, unpadded: 3 + 40 = 43 characters. The checksum is the first
// four bytes of SHA-256("rp_" ‖ random part); it is not a secret, only a
// guard that turns typos, truncations and pasted fragments into a 401
// without a database lookup. Keys carry no user or index in clear: lookup
// is by the SHA-256 of the whole key (a unique index).
const (
	keyPrefix    = "rp_"
	keyRandLen   = 21 // 168 bits
	keySumLen    = 4
	keyEncLen    = (keyRandLen + keySumLen) * 8 / 5 // 40
	keyLen       = len(keyPrefix) + keyEncLen       // 43
	keyShownLen  = len(keyPrefix) + 8               // the part shown in listings
	maxHeaderKey = 256                              // longer values are refused unread
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func keyChecksum(random []byte) []byte {
	h := sha256.New()
	h.Write([]byte(keyPrefix))
	h.Write(random)
	return h.Sum(nil)[:keySumLen]
}

// newKeySecret returns a fresh API key.
func newKeySecret() (string, error) {
	var buf [keyRandLen + keySumLen]byte
	if _, err := rand.Read(buf[:keyRandLen]); err != nil {
		return "", err
	}
	copy(buf[keyRandLen:], keyChecksum(buf[:keyRandLen]))
	return keyPrefix + keyEncoding.EncodeToString(buf[:]), nil
}

// wellFormedKey reports whether s has the shape and checksum of a key this
// server issued. It does no I/O.
func wellFormedKey(s string) bool {
	if len(s) != keyLen || s[:len(keyPrefix)] != keyPrefix {
		return false
	}
	raw, err := keyEncoding.DecodeString(s[len(keyPrefix):])
	if err != nil || len(raw) != keyRandLen+keySumLen {
		return false
	}
	return subtle.ConstantTimeCompare(keyChecksum(raw[:keyRandLen]), raw[keyRandLen:]) == 1
}

// secretDigest is the stored form of a high-entropy secret (key or session
// id): hex SHA-256. A slow hash adds nothing for 168+ random bits.
func secretDigest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP as RFC 6238 (on RFC 4226's HOTP) with the parameters every
// authenticator app accepts by default and Odoo's auth_totp uses: HMAC-SHA-1,
// 6 digits, a 30-second step, and a ±1 step window for clock drift. It is
// hand-written (about 40 lines) rather than a library: the algorithm is
// short, fixed, and checked against the RFC's own test vectors
// (totp_test.go), and a dependency would bring more surface than code.
const (
	totpDigits     = 6
	totpStep       = 30 // seconds
	totpWindow     = 1  // steps accepted either side of now
	totpSecretSize = 20 // bytes: 160 bits, RFC 4226's recommended length
)

// b32 is the unpadded base32 authenticator apps read.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226 section 5.3: the dynamic truncation of HMAC(key,
// counter) to digits decimal digits.
func hotp(h func() hash.Hash, key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(h, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := make([]byte, digits)
	v := bin % mod
	for i := digits - 1; i >= 0; i-- {
		s[i] = byte('0' + v%10)
		v /= 10
	}
	return string(s)
}

// totpStepAt is the time step (RFC 6238's T) of t.
func totpStepAt(t time.Time) int64 { return t.Unix() / totpStep }

// TOTPCode is the 6-digit code of a base32 secret at time t (tests and the
// browser tests compute codes as an authenticator app would).
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(sha1.New, key, uint64(totpStepAt(t)), totpDigits), nil
}

// totpMatch returns the step within ±totpWindow of now whose code is code,
// comparing in constant time, and ok=false when none matches.
func totpMatch(key []byte, code string, now time.Time) (step int64, ok bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	cur := totpStepAt(now)
	for d := int64(-totpWindow); d <= totpWindow; d++ {
		c := hotp(sha1.New, key, uint64(cur+d), totpDigits)
		if subtle.ConstantTimeCompare([]byte(c), []byte(code)) == 1 {
			step, ok = cur+d, true
		}
	}
	return step, ok
}

// newTOTPSecret draws a random secret, returned base32-encoded.
func newTOTPSecret() (string, error) {
	b := make([]byte, totpSecretSize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return b32.EncodeToString(b), nil
}

// decodeTOTPSecret accepts the base32 text as shown (any case, spaces).
func decodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	return b32.DecodeString(strings.TrimRight(s, "="))
}

// TOTPURI is the otpauth:// URI of Google Authenticator's Key URI Format
// that authenticator apps scan from the QR code.
func TOTPURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	return "otpauth://totp/" + label + "?" + q.Encode()
}

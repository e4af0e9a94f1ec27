package identity

import (
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/pbkdf2"

	"github.com/rampart/rampart/errs"
)

const (
	// maxPasswordLen bounds the bytes hashed per attempt, so a megabyte
	// "password" cannot be used to burn CPU.
	maxPasswordLen = 1024
	argonSaltLen   = 16
	argonKeyLen    = 32
	// maxPBKDF2Rounds refuses imported hashes whose cost would stall a login.
	maxPBKDF2Rounds = 10_000_000
)

// errBadHash marks a stored hash this package cannot parse. Such a user
// cannot log in with a password; the cause is logged, never shown.
var errBadHash = errors.New("unrecognised password hash format")

// hasher hashes and verifies passwords. New hashes are argon2id in PHC
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard
// base64). Verification also accepts Odoo's passlib pbkdf2-sha512 hashes,
// which callers then upgrade.
type hasher struct{ p Argon2Params }

func (h hasher) hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.p.MemoryKiB, h.p.Time, h.p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify checks password against encoded. rehash reports a correct password
// whose hash is not argon2id with the current parameters.
func (h hasher) verify(password, encoded string) (ok, rehash bool, err error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, want, err := parseArgon2(encoded)
		if err != nil {
			return false, false, err
		}
		got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
		ok := subtle.ConstantTimeCompare(got, want) == 1
		return ok, ok && p != h.p, nil
	case strings.HasPrefix(encoded, "$pbkdf2-sha512$"):
		ok, err := verifyPBKDF2(password, encoded)
		return ok, ok, err
	}
	return false, false, errBadHash
}

func parseArgon2(s string) (p Argon2Params, salt, key []byte, err error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var m, t, th uint64
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil ||
		m < 8 || m > 1<<20 || t < 1 || t > 100 || th < 1 || th > 255 {
		return p, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	return Argon2Params{MemoryKiB: uint32(m), Time: uint32(t), Threads: uint8(th)}, salt, key, nil
}

// ab64 is passlib's "adapted base64": standard alphabet with '.' for '+',
// no padding.
var ab64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./").WithPadding(base64.NoPadding)

// verifyPBKDF2 checks a passlib $pbkdf2-sha512$<rounds>$<salt>$<checksum>
// hash, as Odoo stores in res_users.password.
func verifyPBKDF2(password, encoded string) (bool, error) {
	rounds, salt, want, err := parsePBKDF2(encoded)
	if err != nil {
		return false, err
	}
	got := pbkdf2.Key([]byte(password), salt, rounds, sha512.Size, sha512.New)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func parsePBKDF2(encoded string) (rounds int, salt, sum []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 5 || parts[1] != "pbkdf2-sha512" {
		return 0, nil, nil, errBadHash
	}
	rounds, err = strconv.Atoi(parts[2])
	if err != nil || rounds < 1 || rounds > maxPBKDF2Rounds {
		return 0, nil, nil, errBadHash
	}
	salt, err1 := ab64.DecodeString(parts[3])
	sum, err2 := ab64.DecodeString(parts[4])
	if err1 != nil || err2 != nil || len(sum) != sha512.Size {
		return 0, nil, nil, errBadHash
	}
	return rounds, salt, sum, nil
}

// parseHash reports whether encoded is a hash verify understands, without
// computing anything.
func parseHash(encoded string) error {
	if strings.HasPrefix(encoded, "$argon2id$") {
		_, _, _, err := parseArgon2(encoded)
		return err
	}
	_, _, _, err := parsePBKDF2(encoded)
	return err
}

// checkPasswordPolicy refuses passwords a new hash must not be made of.
// demo allows a password equal to the login (demo users log in as
// demo/demo); otherwise that is refused.
func checkPasswordPolicy(password, login string, minLen int, demo bool) error {
	switch {
	case !utf8.ValidString(password):
		return errs.E(errs.ValidationError, "The password must be valid UTF-8 text.")
	case len(password) > maxPasswordLen:
		return errs.Ef(errs.ValidationError, "The password must be at most %d bytes long.", maxPasswordLen)
	case demo && password == login && password != "":
		return nil
	case utf8.RuneCountInString(password) < minLen:
		return errs.Ef(errs.ValidationError, "The password must be at least %d characters long.", minLen)
	case strings.EqualFold(password, login):
		return errs.E(errs.ValidationError, "The password must differ from the login.")
	}
	return nil
}

package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// LoadOrCreateSigningKey reads the checkpoint signing key from path (the
// hex Ed25519 seed), creating it 0600 if missing. Instances sharing a
// database should share the file, as they share the CSRF key; the
// database never holds it, so rewriting the chain cannot re-sign it.
func LoadOrCreateSigningKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another instance just made it
			return LoadOrCreateSigningKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("audit signing key: %w", err)
		}
		_, err = f.WriteString(hex.EncodeToString(seed) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("audit signing key: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit signing key %s: want %d hex-encoded bytes", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// SigningKey is the checkpoint signing key (nil when none was given).
func (t *Trail) SigningKey() ed25519.PrivateKey { return t.key }

// checkpoints signs the chain heads every interval until done closes,
// and once more at the end.
func (t *Trail) checkpoints(key ed25519.PrivateKey, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-t.done:
			return // Close seals and signs once more
		}
		t.checkpointLogged(key)
	}
}

func (t *Trail) checkpointLogged(key ed25519.PrivateKey) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := t.Checkpoint(ctx, key); err != nil {
		t.log.Warn("audit: checkpoint not written", "err", err)
	}
}

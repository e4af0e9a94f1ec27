package tlsutil

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// reloadEvery bounds how often the files are stat'ed: at most one stat
// pair per interval, whatever the handshake rate.
const reloadEvery = time.Minute

// reloader serves a certificate from files and re-reads them when their
// modification time changes (certbot and friends replace them in place).
// A pair that fails to load is logged and the previous one kept, so a
// half-written renewal never takes the server down.
type reloader struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	mu        sync.Mutex
	cert      *tls.Certificate
	certMod   time.Time
	keyMod    time.Time
	checkedAt time.Time
}

func newReloader(certFile, keyFile string, log *slog.Logger, now func() time.Time) (*reloader, error) {
	r := &reloader{certFile: certFile, keyFile: keyFile, log: log, now: now}
	if err := r.load(); err != nil {
		return nil, fmt.Errorf("tls.cert_file/tls.key_file: %w", err)
	}
	r.checkedAt = now()
	return r, nil
}

func (r *reloader) load() error {
	cm, km, err := r.mtimes()
	if err != nil {
		return err
	}
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return err
	}
	r.cert, r.certMod, r.keyMod = &c, cm, km
	return nil
}

func (r *reloader) mtimes() (time.Time, time.Time, error) {
	cs, err := os.Stat(r.certFile)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	ks, err := os.Stat(r.keyFile)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return cs.ModTime(), ks.ModTime(), nil
}

func (r *reloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); now.Sub(r.checkedAt) >= reloadEvery {
		r.checkedAt = now
		cm, km, err := r.mtimes()
		if err == nil && (!cm.Equal(r.certMod) || !km.Equal(r.keyMod)) {
			if err = r.load(); err == nil {
				r.log.Info("tls: certificate reloaded", "file", r.certFile)
			}
		}
		if err != nil {
			r.log.Warn("tls: certificate reload failed; keeping the current one", "file", r.certFile, "err", err)
		}
	}
	return r.cert, nil
}

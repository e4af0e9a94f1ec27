package httpd

import (
	"io"

	"github.com/rampart/rampart/errs"
)

// readBounded reads at most limit+1 bytes. A declared length (already
// checked against limit) is read into one buffer of that size, so the
// body is held once, never in the doubling copies io.ReadAll makes on the
// way; without one, ReadAll's growth is bounded by limit.
func readBounded(body io.Reader, declared, limit int64) ([]byte, error) {
	if declared <= 0 {
		return io.ReadAll(io.LimitReader(body, limit+1))
	}
	b := make([]byte, declared, declared+1)
	if _, err := io.ReadFull(body, b); err != nil {
		return nil, err
	}
	// A body longer than it declared is an error of the client's; net/http
	// already stops at Content-Length, so this reads EOF.
	var one [1]byte
	if n, _ := body.Read(one[:]); n > 0 {
		return nil, errs.E(errs.BadRequest, "The request body is longer than its Content-Length.")
	}
	return b, nil
}

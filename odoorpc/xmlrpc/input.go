package xmlrpc

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits bound what one request may cost to decode. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	// MaxBytes is the largest body accepted (the whole document).
	MaxBytes int64
	// MaxDepth is the deepest nesting of arrays and structs.
	MaxDepth int
	// MaxValues is the most values (scalars and containers) in one call.
	MaxValues int
	// MaxString is the longest string or base64 text, in bytes.
	MaxString int
}

// DefaultLimits are generous for real Odoo clients (an execute_kw call
// with a domain nests about six levels) and small enough that a hostile
// body cannot tie up a worker.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 16 << 20, MaxDepth: 32, MaxValues: 200_000, MaxString: 8 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxValues > 0 {
		d.MaxValues = l.MaxValues
	}
	if l.MaxString > 0 {
		d.MaxString = l.MaxString
	}
	return d
}

// cappedReader fails once more than left bytes were read, instead of
// silently truncating (which would turn an oversized body into a
// confusing syntax error).
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
	err  error // the first read error other than EOF
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Probe one byte: a body of exactly MaxBytes is fine.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			c.over = true
			return 0, ErrTooLarge
		}
		c.record(err)
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.record(err)
	return n, err
}

func (c *cappedReader) record(err error) {
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
}

// charsetReader accepts the encodings Python clients may declare. Anything
// else is refused rather than guessed.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin-1", "latin1", "iso8859-1":
		return &latin1Reader{r: in}, nil
	}
	return nil, &Error{Msg: "unsupported encoding " + strconv.Quote(clip(label))}
}

// latin1Reader converts ISO-8859-1 to UTF-8 (each byte is its code point).
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.buf) == 0 {
		raw := make([]byte, max(len(p)/2, 1))
		n, err := l.r.Read(raw)
		for _, b := range raw[:n] {
			l.buf = utf8.AppendRune(l.buf, rune(b))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

package jsonx

import (
	"io"
	"slices"
)

// Seq is an array too large to hold: its elements are produced while the
// answer is written (the ORM's large reads). Each calls yield with every
// element in order and stops at the first error, yield's or its own.
//
// A Seq may be walked more than once only if its producer allows it;
// the encoders here walk it once.
type Seq interface {
	Len() int
	Each(yield func(v any) error) error
}

// FlushAt is how many encoded bytes Write gathers before handing them to
// the writer while it walks a Seq: large enough that a write is a few
// TCP segments, small enough to be the whole memory of a streamed answer
// besides one batch of records.
const FlushAt = 64 << 10

// maxSeqDepth is how deep Streams and the stream encoder look for a Seq
// inside objects: an answer (JSON-2), the JSON-RPC envelope around it, and
// a dict answer holding records (web_search_read's {"length", "records"}).
const maxSeqDepth = 3

// Streams reports whether v holds a Seq: v itself, or a value of an object
// within maxSeqDepth. Lists are not searched: no handler puts a Seq in one.
func Streams(v any) bool { return streams(v, 0) }

func streams(v any, depth int) bool {
	switch x := v.(type) {
	case Seq:
		return true
	case map[string]any:
		if depth >= maxSeqDepth {
			return false
		}
		for _, e := range x {
			if streams(e, depth+1) {
				return true
			}
		}
	}
	return false
}

// Materialize returns v with every Seq that Streams finds replaced by the
// []any of its elements: for an answer that must be complete in memory
// (one that is committed before it is written).
func Materialize(v any) (any, error) { return materialize(v, 0) }

func materialize(v any, depth int) (any, error) {
	switch x := v.(type) {
	case Seq:
		out := make([]any, 0, x.Len())
		err := x.Each(func(e any) error {
			out = append(out, e)
			return nil
		})
		return out, err
	case map[string]any:
		if depth >= maxSeqDepth || !streams(x, depth) {
			return x, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			m, err := materialize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = m
		}
		return out, nil
	}
	return v, nil
}

// Write writes v's JSON encoding — the bytes Append gives — to w, using
// buf as scratch space. A Seq in v is encoded an element at a time and
// handed to w every FlushAt bytes, so that the memory an answer takes is
// one element and FlushAt bytes, whatever its length. It returns buf
// (possibly grown) for reuse, the bytes written, and the first error of
// encoding, the Seq or w.
func Write(w io.Writer, buf []byte, v any) ([]byte, int64, error) {
	s := streamEncoder{w: w, b: buf[:0]}
	err := s.value(v, 0)
	if err == nil {
		err = s.flush()
	}
	return s.b[:0], s.n, err
}

type streamEncoder struct {
	w io.Writer
	b []byte
	n int64
}

func (s *streamEncoder) flush() error {
	if len(s.b) == 0 {
		return nil
	}
	n, err := s.w.Write(s.b)
	s.n += int64(n)
	s.b = s.b[:0]
	return err
}

func (s *streamEncoder) value(v any, depth int) error {
	switch x := v.(type) {
	case Seq:
		return s.seq(x)
	case map[string]any:
		if depth < maxSeqDepth && streams(x, depth) {
			return s.object(x, depth)
		}
	}
	var err error
	s.b, err = Append(s.b, v)
	return err
}

func (s *streamEncoder) seq(q Seq) error {
	s.b = append(s.b, '[')
	first := true
	err := q.Each(func(e any) error {
		if !first {
			s.b = append(s.b, ',')
		}
		first = false
		var err error
		if s.b, err = Append(s.b, e); err != nil {
			return err
		}
		if len(s.b) >= FlushAt {
			return s.flush()
		}
		return nil
	})
	s.b = append(s.b, ']')
	return err
}

// object is appendObject for an object holding a Seq: the same sorted
// keys, values through value so the Seq streams.
func (s *streamEncoder) object(m map[string]any, depth int) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s.b = append(s.b, '{')
	for i, k := range keys {
		if i > 0 {
			s.b = append(s.b, ',')
		}
		s.b = appendString(s.b, k)
		s.b = append(s.b, ':')
		if err := s.value(m[k], depth+1); err != nil {
			return err
		}
	}
	s.b = append(s.b, '}')
	return nil
}

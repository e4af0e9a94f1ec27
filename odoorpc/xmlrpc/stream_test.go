package xmlrpc

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/rampart/rampart/jsonx"
)

type recSeq struct{ n, made, failAt int }

func (s *recSeq) Len() int { return s.n }

func (s *recSeq) Each(yield func(any) error) error {
	for i := 1; i <= s.n; i++ {
		if i == s.failAt {
			return errors.New("connection lost")
		}
		s.made++
		if err := yield(map[string]any{"id": int64(i), "name": fmt.Sprintf("r<%d>", i), "partner_id": []any{int64(3), "Azure & Co"}}); err != nil {
			return err
		}
	}
	return nil
}

type countingWriter struct {
	bytes.Buffer
	writes int
	first  int // records made at the first write
	s      *recSeq
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.writes == 0 {
		w.first = w.s.made
	}
	w.writes++
	return w.Buffer.Write(p)
}

// A methodResponse holding a jsonx.Seq is written while the Seq is read,
// with the bytes of the same response held whole.
func TestEncodeResponseStreamsSeq(t *testing.T) {
	s := &recSeq{n: 5000}
	w := &countingWriter{s: s}
	if err := EncodeResponse(w, s); err != nil {
		t.Fatal(err)
	}
	held, err := jsonx.Materialize(&recSeq{n: 5000})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := EncodeResponse(&want, held); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), want.Bytes()) {
		t.Fatal("streamed response differs from the held one")
	}
	if w.writes < 4 || w.first >= 2500 {
		t.Fatalf("%d writes, the first after %d of 5000 records: not streamed", w.writes, w.first)
	}
	// Inside a struct (a dict answer) too.
	s2 := &recSeq{n: 3000}
	w2 := &countingWriter{s: s2}
	if err := EncodeResponse(w2, map[string]any{"length": int64(3000), "records": s2}); err != nil || w2.writes < 2 {
		t.Fatalf("dict answer: %d writes, %v", w2.writes, err)
	}
}

func TestEncodeResponseSeqError(t *testing.T) {
	s := &recSeq{n: 5000, failAt: 4000}
	w := &countingWriter{s: s}
	if err := EncodeResponse(w, s); err == nil {
		t.Fatal("the Seq's error was lost")
	}
	if bytes.HasSuffix(w.Bytes(), []byte("</methodResponse>\n")) {
		t.Fatal("a failed answer was ended as complete")
	}
}

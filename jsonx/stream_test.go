package jsonx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// seq is a Seq of n records made on demand, counting how many it made.
type seq struct {
	n, made int
	failAt  int // the element whose making fails (0: none)
}

func (s *seq) Len() int { return s.n }

func (s *seq) Each(yield func(any) error) error {
	for i := 1; i <= s.n; i++ {
		if i == s.failAt {
			return errors.New("connection lost")
		}
		s.made++
		rec := map[string]any{"id": int64(i), "name": fmt.Sprintf("record <%d> \"é\"", i), "tags": []int64{1, 2}}
		if err := yield(rec); err != nil {
			return err
		}
	}
	return nil
}

// writes records each Write's size and how many elements were made when
// it came.
type writes struct {
	buf   bytes.Buffer
	sizes []int
	made  []int
	s     *seq
}

func (w *writes) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	w.made = append(w.made, w.s.made)
	return w.buf.Write(p)
}

// Write gives Append's bytes, in writes of about FlushAt while the Seq is
// walked (the first write comes long before the last element is made),
// inside the JSON-RPC envelope and a web_search_read dict too.
func TestWriteStreamsSeq(t *testing.T) {
	for _, wrap := range []func(any) any{
		func(v any) any { return v },
		func(v any) any { return map[string]any{"jsonrpc": "2.0", "id": int64(7), "result": v} },
		func(v any) any {
			return map[string]any{"jsonrpc": "2.0", "id": nil, "result": map[string]any{"length": int64(5000), "records": v}}
		},
	} {
		s := &seq{n: 5000}
		w := &writes{s: s}
		_, n, err := Write(w, nil, wrap(s))
		if err != nil {
			t.Fatal(err)
		}
		mat, err := Materialize(wrap(&seq{n: 5000}))
		if err != nil {
			t.Fatal(err)
		}
		want, err := Append(nil, mat)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w.buf.Bytes(), want) || n != int64(len(want)) {
			t.Fatalf("streamed %d bytes differ from Append's %d", n, len(want))
		}
		if len(w.sizes) < 4 {
			t.Fatalf("%d writes for %d bytes: not streamed", len(w.sizes), n)
		}
		for i, sz := range w.sizes[:len(w.sizes)-1] {
			if sz > FlushAt+512 {
				t.Fatalf("write %d is %d bytes, over FlushAt and one record", i, sz)
			}
		}
		if w.made[0] >= 5000/2 {
			t.Fatalf("first write after %d of 5000 records were made", w.made[0])
		}
		if Streams(mat) {
			t.Fatal("Materialize left a Seq")
		}
	}
}

// A Seq that fails half way: Write returns its error (the caller cuts
// the answer); Append of the same holds nothing back either.
func TestWriteSeqError(t *testing.T) {
	s := &seq{n: 5000, failAt: 3000}
	w := &writes{s: s}
	_, _, err := Write(w, nil, map[string]any{"result": s})
	if err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Append(nil, &seq{n: 10, failAt: 5}); err == nil {
		t.Fatal("Append hid the Seq's error")
	}
	if _, err := Materialize(map[string]any{"result": &seq{n: 10, failAt: 5}}); err == nil {
		t.Fatal("Materialize hid the Seq's error")
	}
}

// Without a Seq, Streams is false and Write is Append in one write.
func TestWriteWithoutSeq(t *testing.T) {
	v := map[string]any{"result": []map[string]any{{"id": int64(1)}}, "id": "x"}
	if Streams(v) {
		t.Fatal("Streams true without a Seq")
	}
	s := &seq{}
	w := &writes{s: s}
	if _, _, err := Write(w, nil, v); err != nil {
		t.Fatal(err)
	}
	want, _ := Append(nil, v)
	if !bytes.Equal(w.buf.Bytes(), want) || len(w.sizes) != 1 {
		t.Fatalf("got %q in %d writes", w.buf.String(), len(w.sizes))
	}
}

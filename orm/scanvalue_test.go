package orm

import (
	"reflect"
	"testing"
	"time"
)

// TestAnyValue: a column scanned into an *any reads as the former
// NullXxx destinations read it — SQLite's integral NUMERIC (an int64) as
// a float, PostgreSQL's numeric text as a float, SQLite's 0/1 as a
// boolean, NULLs as Odoo's false/0 — and a value the field cannot hold is
// an error, never a silent false.
func TestAnyValue(t *testing.T) {
	f := func(typ string) *Field { return &Field{Name: "x", Type: typ} }
	ok := []struct {
		f    *Field
		in   any
		want any
	}{
		{f(Integer), int64(7), int64(7)},
		{f(Integer), nil, int64(0)},
		{f(Integer), 3.0, int64(3)},
		{f(Integer), "42", int64(42)},
		{f(Many2one), nil, false},
		{f(Many2one), int64(9), int64(9)},
		{f(Monetary), int64(842), 842.0},
		{f(Monetary), "841.50", 841.5},
		{f(Monetary), []byte("1.25"), 1.25},
		{f(Float), nil, 0.0},
		{f(Float), 2.5, 2.5},
		{f(Boolean), int64(1), true},
		{f(Boolean), int64(0), false},
		{f(Boolean), true, true},
		{f(Boolean), nil, false},
		{f(Char), "S00001", "S00001"},
		{f(Char), []byte("raw"), "raw"},
		{f(Char), int64(12), "12"},
		{f(Char), nil, false},
		{f(Selection), "sale", "sale"},
		{f(JSON), `{"a":1}`, map[string]any{"a": 1.0}},
		{f(JSON), `not json`, false},
		{f(Date), "2026-01-31", "2026-01-31"},
		{f(Datetime), time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC), "2026-01-31 12:00:00"},
		{f(Datetime), nil, false},
	}
	for _, c := range ok {
		got, err := anyValue(c.f, c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %#v: got %#v, %v; want %#v", c.f.Type, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		f  *Field
		in any
	}{{f(Integer), 1.5}, {f(Integer), "x"}, {f(Float), "x"}, {f(Boolean), int64(2)}, {f(Float), true}} {
		if got, err := anyValue(c.f, c.in); err == nil {
			t.Errorf("%s %#v: got %#v, want an error", c.f.Type, c.in, got)
		}
	}
}

// w1Cols are W1's columns (id, name, state, amount_total) as the SQLite
// driver hands them to database/sql: already boxed.
var w1Cols = []*Field{{Name: "id", Type: Integer}, {Name: "name", Type: Char}, {Name: "state", Type: Selection}, {Name: "amount_total", Type: Monetary}}

func w1Row(i int) []any {
	return []any{int64(1000 + i), "S" + string(rune('A'+i%26)) + "0001", "sale", float64(i) + 0.5}
}

// BenchmarkRowValuesAny is one W1 row through the read path now: the
// driver's values kept as scanned (*any), anyValue per column, the row's
// slice from a shared block.
func BenchmarkRowValuesAny(b *testing.B) {
	src := w1Row(7)
	b.ReportAllocs()
	var block rowBlock
	block.width = len(w1Cols)
	for b.Loop() {
		vals := block.next()
		for i, f := range w1Cols {
			v, err := anyValue(f, src[i])
			if err != nil {
				b.Fatal(err)
			}
			vals[i] = v
		}
	}
}

// BenchmarkRowValuesNull is the former read path for the same row:
// convert into sql.NullXxx destinations (as database/sql's convertAssign
// does), then readValue boxes each value again into a fresh slice.
func BenchmarkRowValuesNull(b *testing.B) {
	src := w1Row(7)
	dest := make([]any, len(w1Cols))
	for i, f := range w1Cols {
		dest[i] = scanDest(f)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range w1Cols {
			if err := dest[i].(interface{ Scan(any) error }).Scan(src[i]); err != nil {
				b.Fatal(err)
			}
		}
		vals := make([]any, len(w1Cols))
		for i, f := range w1Cols {
			vals[i] = readValue(f, dest[i])
		}
	}
}

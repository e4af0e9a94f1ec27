package orm

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
)

// Budget bounds one answer of search, search_read, read and their kin.
// Odoo returns every matching record when no limit is given; so does
// rampart, up to this budget. An answer that would exceed it is refused
// with an error naming the limit and how to page: never a shortened list
// presented as complete.
type Budget struct {
	// MaxRows is the most records one answer may hold (0: DefaultMaxRows).
	MaxRows int
	// MaxBytes bounds the approximate JSON size of one answer's records
	// (0: DefaultMaxBytes).
	MaxBytes int64
	// StreamAbove is how much of an answer is held in memory (0:
	// DefaultStreamAbove). A larger answer is measured whole first, then
	// written while it is read again a batch at a time (Records).
	StreamAbove int64
}

// Defaults of Budget: enough for "return all" on large tables (the memory
// one answer may take is bounded by MaxBytes and the row batches below).
const (
	DefaultMaxRows  = 200_000
	DefaultMaxBytes = 64 << 20
	// DefaultStreamAbove: most answers (a page, a few thousand records)
	// are held and written at once. Formatted records take about ten
	// times their JSON size in memory, so 256 KiB of JSON is a few MiB
	// held; past it the second read costs less than holding the answer
	// (bench: BenchmarkWiredSearchReadAll).
	DefaultStreamAbove = 256 << 10
)

// fetchBatch is how many records a large read formats at a time: the
// loaded rows and their related names never exceed one batch.
const fetchBatch = 1000

func (b Budget) rows() int {
	if b.MaxRows > 0 {
		return b.MaxRows
	}
	return DefaultMaxRows
}

func (b Budget) bytes() int64 {
	if b.MaxBytes > 0 {
		return b.MaxBytes
	}
	return DefaultMaxBytes
}

func (b Budget) streamAbove() int64 {
	if b.StreamAbove > 0 {
		return b.StreamAbove
	}
	return DefaultStreamAbove
}

// tooManyRows is the error of an answer over the row budget.
func tooManyRows(method, model string, max int) error {
	return errs.Ef(errs.UserError,
		"%s on %s matches more than %d records, the most one answer may hold (orm.max_rows). "+
			"Page through the result with limit and offset (e.g. limit=%d, offset=0, then offset=%d, ...), or narrow the domain.",
		method, model, max, min(max, 1000), min(max, 1000))
}

// tooManyBytes is the error of an answer over the byte budget.
func tooManyBytes(method, model string, max int64) error {
	return errs.Ef(errs.UserError,
		"%s on %s would answer more than %d bytes, the most one answer may hold (orm.max_response_bytes). "+
			"Page through the result with limit and offset, or ask for fewer fields.",
		method, model, max)
}

// meter counts the approximate encoded size of an answer as it is built.
type meter struct {
	method, model string
	max, used     int64
}

func (m *Model) meter(method string) *meter {
	return &meter{method: method, model: m.meta.Name, max: m.env.reg.Budget.bytes()}
}

// add counts recs and fails once the budget is exceeded.
func (mt *meter) add(recs []map[string]any) error {
	for _, r := range recs {
		mt.used += approxSize(r)
	}
	if mt.used > mt.max {
		return tooManyBytes(mt.method, mt.model, mt.max)
	}
	return nil
}

// approxSize is about the length of v's JSON encoding (quotes, commas and
// keys counted; escapes counted as one byte), cheap enough to run on
// every value of an answer.
func approxSize(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		return 5
	case string:
		return int64(len(x)) + 2
	case int64:
		return int64(len(strconv.FormatInt(x, 10)))
	case int:
		return int64(len(strconv.Itoa(x)))
	case float64:
		return 24
	case []int64:
		n := int64(2)
		for _, e := range x {
			n += int64(len(strconv.FormatInt(e, 10))) + 1
		}
		return n
	case []any:
		n := int64(2)
		for _, e := range x {
			n += approxSize(e) + 1
		}
		return n
	case map[string]any:
		n := int64(2)
		for k, e := range x {
			n += int64(utf8.RuneCountInString(k)) + 4 + approxSize(e)
		}
		return n
	case []map[string]any:
		n := int64(2)
		for _, e := range x {
			n += approxSize(e) + 1
		}
		return n
	}
	return int64(len(fmt.Sprint(v)))
}

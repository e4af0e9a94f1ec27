package orm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/domain"
)

// fieldRec is a domain.Record holding one stored value.
type fieldRec struct {
	field string
	value any
}

func (r fieldRec) ID() int64 { return 1 }
func (r fieldRec) Get(f string) (any, error) {
	if f == r.field {
		return r.value, nil
	}
	return nil, nil
}
func (r fieldRec) Related(string) ([]domain.Record, error) { return nil, fmt.Errorf("not relational") }

// FuzzDateTimeValue: the date and datetime strings clients write. What the
// ORM accepts it stores in the canonical form (YYYY-MM-DD, or
// YYYY-MM-DD HH:MM:SS naive UTC), which it accepts again unchanged (parse →
// print → parse), and which a search with the same string finds (the
// domain's parser agrees with the ORM's); what it refuses gets an error
// naming the expected form.
func FuzzDateTimeValue(f *testing.F) {
	for _, s := range []string{"2026-01-31", "2026-01-31 12:00:00", "2026-01-31T12:00:00", "2026-02-30", "2026-1-5",
		"2026-01-31 24:00:00", "0000-01-01", "9999-12-31 23:59:59", "2026-01-31 12:00:00.5", "2026-01-31T12:00:00Z", "", " 2026-01-31"} {
		f.Add(s)
	}
	r := testRegistry(f)
	meta := r.models["test.order"]
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"date_order", "confirmed_at"} {
			fd := meta.fields[name]
			layout, form := DateLayout, "YYYY-MM-DD"
			if fd.Type == Datetime {
				layout, form = DatetimeLayout, "YYYY-MM-DD HH:MM:SS"
			}
			v, err := convertScalar(fd, s)
			if err != nil {
				if !strings.Contains(err.Error(), form) {
					t.Fatalf("%s %q: error %q does not name the form %s", name, s, err, form)
				}
				continue
			}
			if v == nil {
				if s != "" {
					t.Fatalf("%s %q: stored as NULL", name, s)
				}
				continue
			}
			stored, ok := v.(string)
			if _, perr := time.Parse(layout, stored); !ok || perr != nil {
				t.Fatalf("%s %q: stored %#v, not %s", name, s, v, form)
			}
			if again, err := convertScalar(fd, stored); err != nil || again != stored {
				t.Fatalf("%s %q: stored %q, which converts to %#v, %v", name, s, stored, again, err)
			}
			pred, err := domain.NewPredicate(r, "test.order", domain.Condition{Field: name, Operator: "=", Value: s}, domain.MatchOptions{})
			if err != nil {
				t.Fatalf("%s %q: the ORM stores it but a domain refuses it: %v", name, s, err)
			}
			if ok, err := pred.Match(fieldRec{name, stored}); err != nil || !ok {
				t.Fatalf("%s %q: stored %q is not found by = %q (%v)", name, s, stored, s, err)
			}
		}
	})
}

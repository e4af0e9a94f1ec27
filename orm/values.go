package orm

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Date and datetime layouts of Odoo's JSON forms (datetimes are naive UTC).
const (
	DateLayout     = "2006-01-02"
	DatetimeLayout = "2006-01-02 15:04:05"
)

// isFalsy reports the values that mean "unset" in Odoo's wire forms.
func isFalsy(v any) bool {
	if v == nil {
		return true
	}
	b, ok := v.(bool)
	return ok && !b
}

// convertScalar checks v against a non-x2many field and returns the SQL
// parameter (nil for NULL). Errors are client-safe texts.
func convertScalar(f *Field, v any) (any, error) {
	if f.Type == Boolean {
		switch b := v.(type) {
		case nil:
			return false, nil
		case bool:
			return b, nil
		}
		return nil, fmt.Errorf("expected a boolean")
	}
	if isFalsy(v) {
		return nil, nil
	}
	switch f.Type {
	case Char, Text:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string")
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("invalid UTF-8")
		}
		if strings.IndexByte(s, 0) >= 0 {
			// PostgreSQL text cannot hold NUL; refused on both databases.
			return nil, fmt.Errorf("must not contain NUL characters")
		}
		if f.Size > 0 && utf8.RuneCountInString(s) > f.Size {
			return nil, fmt.Errorf("at most %d characters allowed", f.Size)
		}
		return s, nil
	case Selection:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected one of the selection keys")
		}
		for _, kv := range f.Selection {
			if kv[0] == s {
				return s, nil
			}
		}
		return nil, fmt.Errorf("invalid value %q (allowed: %v)", s, f.SelectionKeys())
	case Integer:
		n, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("expected an integer")
		}
		if err := checkRange(f, float64(n)); err != nil {
			return nil, err
		}
		return n, nil
	case Many2one:
		n, ok := asInt(v)
		if !ok || n <= 0 {
			return nil, fmt.Errorf("expected a record id")
		}
		return n, nil
	case Float, Monetary:
		var x float64
		switch n := v.(type) {
		case float64:
			x = n
		case float32:
			x = float64(n)
		case int:
			x = float64(n)
		case int64:
			x = float64(n)
		case json.Number:
			var err error
			if x, err = n.Float64(); err != nil {
				return nil, fmt.Errorf("expected a number")
			}
		default:
			return nil, fmt.Errorf("expected a number")
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("expected a finite number")
		}
		if math.Abs(x) > MaxFloat {
			// Beyond this a float64 keeps no cents, and products of such
			// values (quantity × price) overflow to infinity in SQL.
			return nil, fmt.Errorf("must be between -%g and %g", MaxFloat, MaxFloat)
		}
		if err := checkRange(f, x); err != nil {
			return nil, err
		}
		return x, nil
	case Date:
		if t, ok := v.(time.Time); ok {
			return t.Format(DateLayout), nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected a date (YYYY-MM-DD)")
		}
		t, err := time.Parse(DateLayout, s)
		if err != nil || t.Year() < 1 {
			return nil, fmt.Errorf("expected a date (YYYY-MM-DD, year 1 to 9999)")
		}
		return t.Format(DateLayout), nil
	case Datetime:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(DatetimeLayout), nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected a datetime (YYYY-MM-DD HH:MM:SS, UTC)")
		}
		for _, layout := range []string{DatetimeLayout, "2006-01-02T15:04:05", DateLayout} {
			if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1 {
				return t.Format(DatetimeLayout), nil
			}
		}
		return nil, fmt.Errorf("expected a datetime (YYYY-MM-DD HH:MM:SS, UTC)")
	case JSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("not representable as JSON")
		}
		if bytes.Contains(b, []byte(`\u0000`)) {
			// PostgreSQL's jsonb refuses the NUL escape.
			return nil, fmt.Errorf("must not contain NUL characters")
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("cannot be set directly")
}

// MaxFloat bounds float and monetary values (absolute value).
const MaxFloat = 1e15

func checkRange(f *Field, x float64) error {
	if f.Min != nil && x < *f.Min {
		return fmt.Errorf("must be at least %s", strconv.FormatFloat(*f.Min, 'g', -1, 64))
	}
	if f.Max != nil && x > *f.Max {
		return fmt.Errorf("must be at most %s", strconv.FormatFloat(*f.Max, 'g', -1, 64))
	}
	return nil
}

// scanDest returns a destination for scanning f's column.
func scanDest(f *Field) any {
	switch f.Type {
	case Integer, Many2one:
		return new(sql.NullInt64)
	case Float, Monetary:
		return new(sql.NullFloat64)
	case Boolean:
		return new(sql.NullBool)
	case Date, Datetime:
		return new(any)
	default:
		return new(sql.NullString)
	}
}

// readValue turns a scanned column into Odoo's JSON form. Many2one values
// are returned as the bare id (int64) or false; the caller adds the
// display name.
func readValue(f *Field, dest any) any {
	switch d := dest.(type) {
	case *sql.NullInt64:
		if !d.Valid {
			if f.Type == Many2one {
				return false
			}
			return int64(0)
		}
		return d.Int64
	case *sql.NullFloat64:
		if !d.Valid {
			return 0.0
		}
		return d.Float64
	case *sql.NullBool:
		return d.Valid && d.Bool
	case *sql.NullString:
		if !d.Valid {
			return false
		}
		if f.Type == JSON {
			var v any
			if json.Unmarshal([]byte(d.String), &v) != nil {
				return false
			}
			return v
		}
		return d.String
	case *any:
		return timeValue(f, *d)
	}
	return false
}

// timeValue normalizes dates and datetimes: PostgreSQL returns time.Time,
// SQLite the text we stored.
func timeValue(f *Field, v any) any {
	layout := DatetimeLayout
	if f.Type == Date {
		layout = DateLayout
	}
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(layout)
	case string:
		return trimTime(t, layout)
	case []byte:
		return trimTime(string(t), layout)
	}
	return false
}

func trimTime(s, layout string) any {
	if s == "" {
		return false
	}
	if len(s) > len(layout) {
		s = s[:len(layout)]
	}
	return s
}

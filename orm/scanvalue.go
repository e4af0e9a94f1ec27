package orm

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Row scanning on the read path (scan, format) takes each column as the
// driver's own value through a *any destination: database/sql hands it
// over as is (only []byte is copied), so a string, int64 or float64 the
// driver has already boxed is kept without the conversion into a
// sql.NullXxx and the second boxing into the record's map that
// scanDest/readValue cost — about three allocations per row and column
// on W1. anyValue applies the conversions database/sql's convertAssign
// applied into those destinations, so the values read are the same.

// anyValue turns a column scanned into an *any into Odoo's JSON form.
// Many2one values are the bare id (int64) or false; the caller adds the
// display name.
func anyValue(f *Field, v any) (any, error) {
	switch f.Type {
	case Integer, Many2one:
		if v == nil {
			if f.Type == Many2one {
				return false, nil
			}
			return int64(0), nil
		}
		return anyInt(v)
	case Float, Monetary:
		if v == nil {
			return 0.0, nil
		}
		return anyFloat(v)
	case Boolean:
		if v == nil {
			return false, nil
		}
		return anyBool(v)
	case Date, Datetime:
		return timeValue(f, v), nil
	}
	if v == nil {
		return false, nil
	}
	var s string
	switch x := v.(type) {
	case string:
		if f.Type != JSON {
			return v, nil // already boxed: no new allocation
		}
		s = x
	case []byte:
		s = string(x)
	default:
		s = asString(x)
	}
	if f.Type == JSON {
		var out any
		if json.Unmarshal([]byte(s), &out) != nil {
			return false, nil
		}
		return out, nil
	}
	return s, nil
}

func anyInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return v, nil
	case float64:
		if i := int64(x); float64(i) == x {
			return i, nil
		}
	case string:
		return parseIntValue(x)
	case []byte:
		return parseIntValue(string(x))
	}
	return nil, fmt.Errorf("orm: cannot read %T as an integer", v)
}

func parseIntValue(s string) (any, error) {
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("orm: cannot read %q as an integer", s)
	}
	return i, nil
}

func anyFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return v, nil
	case int64:
		// SQLite stores an integral NUMERIC as an integer.
		return float64(x), nil
	case float32:
		return float64(x), nil
	case string:
		return parseFloatValue(x)
	case []byte:
		return parseFloatValue(string(x))
	}
	return nil, fmt.Errorf("orm: cannot read %T as a float", v)
}

func parseFloatValue(s string) (any, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("orm: cannot read %q as a float", s)
	}
	return f, nil
}

func anyBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		switch x {
		case 0:
			return false, nil
		case 1:
			return true, nil
		}
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, nil
		}
	case []byte:
		if b, err := strconv.ParseBool(string(x)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("orm: cannot read %T as a boolean", v)
}

// asString is convertAssign's rendering of a non-text value into a string
// destination.
func asString(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// rowBlock hands out each row's values from one shared backing array, a
// block of rows at a time, instead of one allocation per row.
type rowBlock struct {
	width int
	buf   []any
}

func (b *rowBlock) next() []any {
	if len(b.buf) < b.width {
		b.buf = make([]any, b.width*64)
	}
	row := b.buf[:b.width:b.width]
	b.buf = b.buf[b.width:]
	return row
}

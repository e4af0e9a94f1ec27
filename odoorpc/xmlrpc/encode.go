package xmlrpc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/jsonx"
)

// Fault is an XML-RPC fault. Code is an int for /xmlrpc/2 and a string for
// the legacy /xmlrpc (Odoo's v1 faults carry string codes).
type Fault struct {
	Code   any // int or string
	String string
}

func (f *Fault) Error() string { return fmt.Sprintf("fault %v: %s", f.Code, f.String) }

// MaxEncodeDepth stops a self-referencing value from recursing forever.
const MaxEncodeDepth = 64

// EncodeResponse writes a methodResponse carrying v as its one param.
// Values it cannot represent (channels, functions, maps with non-string
// keys that are not integers) make it return an error before anything is
// written, so the caller can still send a fault — unless v holds a
// jsonx.Seq: that array is written while it is read, jsonx.FlushAt bytes
// at a time, and an error after the first write leaves the response cut.
func EncodeResponse(w io.Writer, v any) error {
	e := encoder{w: w}
	e.buf = append(e.buf, "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n"...)
	if err := e.value(reflect.ValueOf(v), 0); err != nil {
		return err
	}
	e.buf = append(e.buf, "</param>\n</params>\n</methodResponse>\n"...)
	return e.flush()
}

// EncodeFault writes a methodResponse carrying f.
func EncodeFault(w io.Writer, f *Fault) error {
	var e encoder
	e.buf = append(e.buf, "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n"...)
	fault := map[string]any{"faultCode": f.Code, "faultString": f.String}
	if err := e.value(reflect.ValueOf(fault), 0); err != nil {
		return err
	}
	e.buf = append(e.buf, "</fault>\n</methodResponse>\n"...)
	_, err := w.Write(e.buf)
	return err
}

type encoder struct {
	buf []byte
	// w receives buf when a Seq fills it (EncodeResponse); nil: never.
	w io.Writer
}

func (e *encoder) flush() error {
	if e.w == nil || len(e.buf) == 0 {
		return nil
	}
	_, err := e.w.Write(e.buf)
	e.buf = e.buf[:0]
	return err
}

// seq writes an array read while it is written.
func (e *encoder) seq(q jsonx.Seq, depth int) error {
	e.buf = append(e.buf, "<value><array><data>\n"...)
	err := q.Each(func(el any) error {
		if err := e.value(reflect.ValueOf(el), depth+1); err != nil {
			return err
		}
		if len(e.buf) >= jsonx.FlushAt {
			return e.flush()
		}
		return nil
	})
	e.buf = append(e.buf, "</data></array></value>\n"...)
	return err
}

var (
	seqType   = reflect.TypeFor[jsonx.Seq]()
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
	jsonNum   = reflect.TypeFor[json.Number]()
)

func (e *encoder) value(v reflect.Value, depth int) error {
	if depth > MaxEncodeDepth {
		return fmt.Errorf("xmlrpc: value nested deeper than %d", MaxEncodeDepth)
	}
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			v = reflect.Value{}
			break
		}
		if v.Kind() == reflect.Pointer && v.Type().Implements(seqType) {
			return e.seq(v.Interface().(jsonx.Seq), depth)
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		// Odoo cannot marshal None (allow_none=False); rampart sends
		// False, Odoo's own "no value". See the package doc.
		e.buf = append(e.buf, "<value><boolean>0</boolean></value>\n"...)
		return nil
	}
	switch v.Type() {
	case timeType:
		t := v.Interface().(time.Time).UTC()
		e.str(t.Format(time.DateTime))
		return nil
	case bytesType:
		e.str(base64.StdEncoding.EncodeToString(v.Bytes()))
		return nil
	case jsonNum:
		n := v.Interface().(json.Number)
		if i, err := n.Int64(); err == nil {
			e.int(i)
		} else if f, err := n.Float64(); err == nil {
			e.float(f)
		} else {
			return fmt.Errorf("xmlrpc: bad number %q", n)
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			e.buf = append(e.buf, "<value><boolean>1</boolean></value>\n"...)
		} else {
			e.buf = append(e.buf, "<value><boolean>0</boolean></value>\n"...)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if u > math.MaxInt64 {
			return fmt.Errorf("xmlrpc: integer %d out of range", u)
		}
		e.int(int64(u))
	case reflect.Float32, reflect.Float64:
		e.float(v.Float())
	case reflect.String:
		e.str(v.String())
	case reflect.Slice, reflect.Array:
		e.buf = append(e.buf, "<value><array><data>\n"...)
		for i := range v.Len() {
			if err := e.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, "</data></array></value>\n"...)
	case reflect.Map:
		return e.mapValue(v, depth)
	case reflect.Struct:
		// Structs travel as their JSON form, the same shape JSON-RPC
		// clients see.
		raw, err := json.Marshal(v.Interface())
		if err != nil {
			return fmt.Errorf("xmlrpc: %w", err)
		}
		var generic any
		if err := json.Unmarshal(raw, &generic); err != nil {
			return fmt.Errorf("xmlrpc: %w", err)
		}
		return e.value(reflect.ValueOf(generic), depth)
	default:
		return fmt.Errorf("xmlrpc: cannot marshal %s", v.Type())
	}
	return nil
}

func (e *encoder) mapValue(v reflect.Value, depth int) error {
	type member struct {
		name string
		val  reflect.Value
	}
	members := make([]member, 0, v.Len())
	iter := v.MapRange()
	for iter.Next() {
		k := iter.Key()
		for k.Kind() == reflect.Interface && !k.IsNil() {
			k = k.Elem()
		}
		var name string
		switch k.Kind() {
		case reflect.String:
			name = k.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			// Odoo's session_info has int-keyed dicts; JSON turns the
			// keys into strings, and so does rampart everywhere.
			name = strconv.FormatInt(k.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			name = strconv.FormatUint(k.Uint(), 10)
		default:
			return fmt.Errorf("xmlrpc: dictionary key must be string, not %s", k.Type())
		}
		members = append(members, member{name, iter.Value()})
	}
	// Sorted for deterministic output (golden tests, caches).
	slices.SortFunc(members, func(a, b member) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	e.buf = append(e.buf, "<value><struct>\n"...)
	for _, m := range members {
		e.buf = append(e.buf, "<member>\n<name>"...)
		e.escape(m.name)
		e.buf = append(e.buf, "</name>\n"...)
		if err := e.value(m.val, depth+1); err != nil {
			return err
		}
		e.buf = append(e.buf, "</member>\n"...)
	}
	e.buf = append(e.buf, "</struct></value>\n"...)
	return nil
}

func (e *encoder) int(i int64) {
	// <int> is 32-bit by the spec; larger values go out as <i8>, which
	// Python's client and most others read.
	if i >= math.MinInt32 && i <= math.MaxInt32 {
		e.buf = append(e.buf, "<value><int>"...)
		e.buf = strconv.AppendInt(e.buf, i, 10)
		e.buf = append(e.buf, "</int></value>\n"...)
		return
	}
	e.buf = append(e.buf, "<value><i8>"...)
	e.buf = strconv.AppendInt(e.buf, i, 10)
	e.buf = append(e.buf, "</i8></value>\n"...)
}

func (e *encoder) float(f float64) {
	e.buf = append(e.buf, "<value><double>"...)
	switch {
	case math.IsNaN(f):
		e.buf = append(e.buf, "nan"...)
	case math.IsInf(f, 1):
		e.buf = append(e.buf, "inf"...)
	case math.IsInf(f, -1):
		e.buf = append(e.buf, "-inf"...)
	default:
		// Python writes repr(f): the shortest text that round-trips,
		// positional between 1e-4 and 1e16, always with a decimal point.
		if a := math.Abs(f); a == 0 || (a >= 1e-4 && a < 1e16) {
			start := len(e.buf)
			e.buf = strconv.AppendFloat(e.buf, f, 'f', -1, 64)
			if !slices.Contains(e.buf[start:], '.') {
				e.buf = append(e.buf, ".0"...)
			}
		} else {
			e.buf = strconv.AppendFloat(e.buf, f, 'e', -1, 64)
		}
	}
	e.buf = append(e.buf, "</double></value>\n"...)
}

func (e *encoder) str(s string) {
	e.buf = append(e.buf, "<value><string>"...)
	e.escape(s)
	e.buf = append(e.buf, "</string></value>\n"...)
}

// escape writes s as XML text: markup characters escaped, characters that
// XML 1.0 forbids (C0 controls other than tab, newline and carriage
// return, U+FFFE, U+FFFF, invalid UTF-8) dropped, as Odoo's marshaller
// strips control characters so that clients never fail to parse.
func (e *encoder) escape(s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// invalid byte: drop
		case r == '&':
			e.buf = append(e.buf, "&amp;"...)
		case r == '<':
			e.buf = append(e.buf, "&lt;"...)
		case r == '>':
			e.buf = append(e.buf, "&gt;"...)
		case r == '\r':
			// A literal CR would be normalized away by the client's parser.
			e.buf = append(e.buf, "&#13;"...)
		case r == '\t' || r == '\n':
			e.buf = append(e.buf, byte(r))
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			// forbidden in XML 1.0: strip
		default:
			e.buf = utf8.AppendRune(e.buf, r)
		}
	}
}

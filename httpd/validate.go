package httpd

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
)

// paramSpec is a compiled Route.Params struct: its input names, types and
// rules, built once at registration so a request only walks a slice.
type paramSpec struct {
	typ    reflect.Type // the struct type
	fields []paramField
	byName map[string]int
}

type paramField struct {
	name   string
	index  []int
	typ    reflect.Type
	tr     tagRules
	nested *paramSpec // struct-typed fields (not TextUnmarshalers)
	elem   *paramSpec // lists of structs: the spec of one item
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// compileParams builds the spec of v, a struct or a pointer to one.
func compileParams(v any) (*paramSpec, error) {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("params must be a struct or a pointer to one, not %v", reflect.TypeOf(v))
	}
	return compileStruct(t, 0)
}

// maxNesting bounds nested parameter structs (and stops recursive types).
const maxNesting = 8

func compileStruct(t reflect.Type, depth int) (*paramSpec, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("params %v: nested deeper than %d levels", t, maxNesting)
	}
	spec := &paramSpec{typ: t, byName: map[string]int{}}
	for _, sf := range reflect.VisibleFields(t) {
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		tr, err := parseTag(sf.Tag.Get("validate"))
		if err != nil {
			return nil, fmt.Errorf("params field %s: %w", sf.Name, err)
		}
		f := paramField{name: name, index: sf.Index, typ: sf.Type, tr: tr}
		if err = checkApplicable(f); err != nil {
			return nil, fmt.Errorf("params field %s: %w", sf.Name, err)
		}
		if st, ok := objectType(sf.Type); ok {
			if f.nested, err = compileStruct(st, depth+1); err != nil {
				return nil, err
			}
		} else if sf.Type.Kind() == reflect.Slice {
			if st, ok := objectType(sf.Type.Elem()); ok {
				if f.elem, err = compileStruct(st, depth+1); err != nil {
					return nil, err
				}
			}
		}
		if _, dup := spec.byName[name]; dup {
			return nil, fmt.Errorf("params: two fields named %q", name)
		}
		spec.byName[name] = len(spec.fields)
		spec.fields = append(spec.fields, f)
	}
	return spec, nil
}

// objectType reports whether t (or *t) is a struct bound member by member
// from a JSON object; types that parse themselves from text (time.Time)
// are not.
func objectType(t reflect.Type) (reflect.Type, bool) {
	base := deref(t)
	return base, base.Kind() == reflect.Struct && !reflect.PointerTo(base).Implements(textUnmarshaler)
}

func deref(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// checkApplicable refuses rules that cannot apply to the field's type, so
// `min=3` on a string (meant as minlen) is caught at start-up.
func checkApplicable(f paramField) error {
	k := deref(f.typ).Kind()
	isNum := isIntKind(k) || isUintKind(k) || k == reflect.Float32 || k == reflect.Float64
	for _, r := range f.tr.rules {
		ok := false
		switch r.kind {
		case ruleMin, ruleMax:
			ok = isNum
		case ruleMinLen, ruleMaxLen:
			ok = k == reflect.String || k == reflect.Slice
		case ruleOneOf:
			ok = k == reflect.String || isIntKind(k) || isUintKind(k)
			for _, v := range r.set {
				if ok && k != reflect.String {
					if _, err := strconv.ParseInt(v, 10, 64); err != nil {
						return fmt.Errorf("oneof value %q is not an integer", v)
					}
				}
			}
		case ruleEmail:
			ok = k == reflect.String
		}
		if !ok {
			return fmt.Errorf("rule %s does not apply to %v", ruleName(r.kind), f.typ)
		}
	}
	return nil
}

func ruleName(k ruleKind) string {
	for n, v := range ruleNames {
		if v == k {
			return n
		}
	}
	return "?"
}

func isIntKind(k reflect.Kind) bool { return k >= reflect.Int && k <= reflect.Int64 }
func isUintKind(k reflect.Kind) bool {
	return k >= reflect.Uint && k <= reflect.Uint64
}

// maxFieldErrors caps the problems listed in one answer: a body of a
// thousand unknown keys gets a useful answer, not a megabyte.
const maxFieldErrors = 50

// binder collects field errors while filling a value.
type binder struct {
	form bool // values come from a form: strings that may need parsing
	errs []errs.FieldError
}

func (b *binder) fail(field, msg string) {
	if len(b.errs) < maxFieldErrors {
		b.errs = append(b.errs, errs.FieldError{Field: field, Message: msg})
	}
}

// bind fills a new value of spec's struct from src (a JSON object, or a
// form as map[string][]string converted by the caller) and validates it.
// It returns a pointer to the struct, or a ValidationError listing every
// problem with its field.
func (spec *paramSpec) bind(src map[string]any, form bool) (any, error) {
	b := &binder{form: form}
	ptr := reflect.New(spec.typ)
	b.object(spec, src, ptr.Elem(), "")
	if len(b.errs) > 0 {
		return nil, errs.Validation("Invalid parameters: "+describe(b.errs), b.errs...)
	}
	if v, ok := ptr.Interface().(Validator); ok {
		if fes := v.Validate(); len(fes) > 0 {
			return nil, errs.Validation("Invalid parameters: "+describe(fes), fes...)
		}
	}
	return ptr.Interface(), nil
}

// describe makes the one-line message that accompanies the field list,
// for clients that show only the message.
func describe(fes []errs.FieldError) string {
	parts := make([]string, 0, min(len(fes), 5))
	for i, fe := range fes {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(fes)-5))
			break
		}
		parts = append(parts, fe.Field+" "+fe.Message)
	}
	return strings.Join(parts, "; ")
}

func (b *binder) object(spec *paramSpec, src map[string]any, dst reflect.Value, prefix string) {
	unknown := make([]string, 0)
	for k := range src {
		if _, ok := spec.byName[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	for _, f := range spec.fields {
		name := prefix + f.name
		v, present := src[f.name]
		if !present || v == nil {
			if f.tr.required {
				b.fail(name, "is required")
			}
			continue
		}
		fv := dst.FieldByIndex(f.index)
		if !b.value(f, v, fv, name) {
			continue
		}
		b.check(f, fv, name)
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		b.fail(prefix+truncateName(k), "unknown field")
	}
}

func truncateName(s string) string {
	if len(s) > 64 || !utf8.ValidString(s) {
		return strconv.Quote(s[:min(len(s), 64)]) + "…"
	}
	return s
}

// value converts v into dst; it reports false (after recording why) when
// the value has the wrong type.
func (b *binder) value(f paramField, v any, dst reflect.Value, name string) bool {
	if dst.Kind() == reflect.Pointer {
		dst.Set(reflect.New(dst.Type().Elem()))
		dst = dst.Elem()
	}
	if b.form {
		// A form repeats a key for a list; anything else must be single.
		vs, _ := v.([]string)
		if dst.Kind() != reflect.Slice {
			if len(vs) != 1 {
				b.fail(name, "must be a single value")
				return false
			}
			v = vs[0]
		} else {
			items := make([]any, len(vs))
			for i, s := range vs {
				items[i] = s
			}
			v = items
		}
	}
	if f.nested != nil {
		obj, ok := v.(map[string]any)
		if !ok {
			b.fail(name, "must be an object")
			return false
		}
		n := len(b.errs)
		b.object(f.nested, obj, dst, name+".")
		return len(b.errs) == n
	}
	if f.elem != nil {
		return b.objects(f.elem, v, dst, name)
	}
	if msg := b.scalar(v, dst); msg != "" {
		b.fail(name, msg)
		return false
	}
	return true
}

// objects binds a list of JSON objects into a slice of structs; item
// problems are reported as name[i].field.
func (b *binder) objects(spec *paramSpec, v any, dst reflect.Value, name string) bool {
	items, ok := v.([]any)
	if !ok {
		b.fail(name, "must be a list")
		return false
	}
	n := len(b.errs)
	s := reflect.MakeSlice(dst.Type(), len(items), len(items))
	for i, it := range items {
		item := name + "[" + strconv.Itoa(i) + "]"
		obj, ok := it.(map[string]any)
		if !ok {
			b.fail(item, "must be an object")
			continue
		}
		ev := s.Index(i)
		if ev.Kind() == reflect.Pointer {
			ev.Set(reflect.New(ev.Type().Elem()))
			ev = ev.Elem()
		}
		b.object(spec, obj, ev, item+".")
	}
	dst.Set(s)
	return len(b.errs) == n
}

// scalar assigns one JSON (or form string) value to dst; it returns a
// client message on a type mismatch.
func (b *binder) scalar(v any, dst reflect.Value) string {
	if dst.CanAddr() && dst.Addr().Type().Implements(textUnmarshaler) {
		s, ok := v.(string)
		if !ok {
			return "must be a string"
		}
		if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return "is not valid"
		}
		return ""
	}
	k := dst.Kind()
	switch {
	case k == reflect.String:
		s, ok := v.(string)
		if !ok {
			return "must be a string"
		}
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return "must be valid UTF-8 text without NUL characters"
		}
		dst.SetString(s)
	case k == reflect.Bool:
		switch t := v.(type) {
		case bool:
			dst.SetBool(t)
		case string:
			if !b.form {
				return "must be a boolean"
			}
			switch strings.ToLower(t) {
			case "1", "true", "on", "yes":
				dst.SetBool(true)
			case "0", "false", "off", "no", "":
			default:
				return "must be a boolean"
			}
		default:
			return "must be a boolean"
		}
	case isIntKind(k) || isUintKind(k):
		i, ok := b.integer(v)
		if !ok {
			return "must be an integer"
		}
		if isUintKind(k) {
			if i < 0 || dst.OverflowUint(uint64(i)) {
				return "is out of range"
			}
			dst.SetUint(uint64(i))
		} else {
			if dst.OverflowInt(i) {
				return "is out of range"
			}
			dst.SetInt(i)
		}
	case k == reflect.Float32 || k == reflect.Float64:
		f, ok := b.float(v)
		if !ok {
			return "must be a number"
		}
		if dst.OverflowFloat(f) {
			return "is out of range"
		}
		dst.SetFloat(f)
	case k == reflect.Slice:
		items, ok := v.([]any)
		if !ok {
			return "must be a list"
		}
		s := reflect.MakeSlice(dst.Type(), len(items), len(items))
		for i, it := range items {
			if msg := b.scalar(it, s.Index(i)); msg != "" {
				return fmt.Sprintf("item %d %s", i, msg)
			}
		}
		dst.Set(s)
	default:
		// Maps and interfaces take the JSON value as it is, through the
		// standard decoder (the value was already strictly parsed).
		raw, err := json.Marshal(v)
		if err != nil || json.Unmarshal(raw, dst.Addr().Interface()) != nil {
			return "has the wrong type"
		}
	}
	return ""
}

func (b *binder) integer(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case float64:
		// jsonx yields float64 only for non-integers or huge values.
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), true
		}
	case string:
		if b.form {
			i, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
			return i, err == nil
		}
	}
	return 0, false
}

func (b *binder) float(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case string:
		if b.form {
			f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
			return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
		}
	}
	return 0, false
}

// check applies the field's rules to its (already typed) value.
func (b *binder) check(f paramField, v reflect.Value, name string) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	k := v.Kind()
	if f.tr.required && (k == reflect.String || k == reflect.Slice) && v.Len() == 0 {
		b.fail(name, "is required")
		return
	}
	for _, r := range f.tr.rules {
		if msg := r.check(v); msg != "" {
			b.fail(name, msg)
		}
	}
}

func (r rule) check(v reflect.Value) string {
	k := v.Kind()
	switch r.kind {
	case ruleMin, ruleMax:
		n := numberOf(v)
		if r.kind == ruleMin && n < r.num {
			return "must be at least " + fmtNum(r.num)
		}
		if r.kind == ruleMax && n > r.num {
			return "must be at most " + fmtNum(r.num)
		}
	case ruleMinLen, ruleMaxLen:
		n, unit := v.Len(), "items"
		if k == reflect.String {
			n, unit = utf8.RuneCountInString(v.String()), "characters"
		}
		if r.kind == ruleMinLen && n < r.n {
			return fmt.Sprintf("must have at least %d %s", r.n, unit)
		}
		if r.kind == ruleMaxLen && n > r.n {
			return fmt.Sprintf("must have at most %d %s", r.n, unit)
		}
	case ruleOneOf:
		var s string
		switch {
		case k == reflect.String:
			s = v.String()
		case isIntKind(k):
			s = strconv.FormatInt(v.Int(), 10)
		default:
			s = strconv.FormatUint(v.Uint(), 10)
		}
		if !slices.Contains(r.set, s) {
			return "must be one of: " + strings.Join(r.set, ", ")
		}
	case ruleEmail:
		if !validEmail(v.String()) {
			return "must be a valid email address"
		}
	}
	return ""
}

func numberOf(v reflect.Value) float64 {
	switch k := v.Kind(); {
	case isIntKind(k):
		return float64(v.Int())
	case isUintKind(k):
		return float64(v.Uint())
	default:
		return v.Float()
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// validEmail accepts a bare address, what an email field should hold: no
// display name or angle brackets, and a domain with a dot (mail to a
// dot-less host such as "localhost" never leaves the machine).
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, "<> \t\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// ParamDoc describes one input of a Route.Params struct as httpd binds and
// validates it, for documentation (apidoc's OpenAPI document): read from
// the same compiled spec, so the description cannot drift from the check.
type ParamDoc struct {
	Name     string
	Type     reflect.Type
	Required bool
	// Min and Max are the numeric bounds, MinLen and MaxLen the length
	// bounds (characters or items); nil when the tag has none.
	Min, Max       *float64
	MinLen, MaxLen *int
	OneOf          []string
	Email          bool
}

// DescribeParams lists the top-level inputs of a Params struct (v, a
// struct or a pointer to one) in declaration order.
func DescribeParams(v any) ([]ParamDoc, error) {
	spec, err := compileParams(v)
	if err != nil {
		return nil, err
	}
	out := make([]ParamDoc, 0, len(spec.fields))
	for _, f := range spec.fields {
		d := ParamDoc{Name: f.name, Type: f.typ, Required: f.tr.required}
		for _, r := range f.tr.rules {
			switch r.kind {
			case ruleMin:
				d.Min = &r.num
			case ruleMax:
				d.Max = &r.num
			case ruleMinLen:
				d.MinLen = &r.n
			case ruleMaxLen:
				d.MaxLen = &r.n
			case ruleOneOf:
				d.OneOf = r.set
			case ruleEmail:
				d.Email = true
			}
		}
		out = append(out, d)
	}
	return out, nil
}

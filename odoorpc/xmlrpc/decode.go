package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Error is a decoding failure. Its message is short and safe to put in a
// fault string: it never echoes more than a few bytes of the input.
type Error struct{ Msg string }

func (e *Error) Error() string { return "invalid XML-RPC request: " + e.Msg }

// ErrTooLarge is wrapped by the error returned when the body exceeds
// Limits.MaxBytes, so callers can answer 413 if they prefer.
var ErrTooLarge = errors.New("request too large")

// Call is a decoded methodCall.
type Call struct {
	Method string
	Params []any
}

// DecodeCall reads one methodCall from r, within lim.
func DecodeCall(r io.Reader, lim Limits) (*Call, error) {
	lim = lim.withDefaults()
	cr := &cappedReader{r: r, left: lim.MaxBytes}
	d := &decoder{lim: lim, cr: cr}
	d.x = xml.NewDecoder(cr)
	d.x.Strict = true
	d.x.CharsetReader = charsetReader
	call, err := d.call()
	if err != nil {
		if cr.over {
			return nil, fmt.Errorf("%w: %w", &Error{Msg: "body exceeds the size limit"}, ErrTooLarge)
		}
		if cr.err != nil {
			// The transport failed (a size cap of its own, a timeout): say
			// so, and keep the cause for the caller to classify.
			return nil, fmt.Errorf("%w: %w", &Error{Msg: "the body could not be read"}, cr.err)
		}
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		// encoding/xml's messages name a line and the construct, never
		// large slices of input: safe to pass on.
		return nil, &Error{Msg: clipN(err.Error(), 160)}
	}
	return call, nil
}

type decoder struct {
	x      *xml.Decoder
	cr     *cappedReader
	lim    Limits
	values int
}

// next returns the next significant token: start and end elements and
// character data. Comments are skipped; a directive (DOCTYPE, ENTITY,
// ...) is refused outright, and processing instructions other than the
// XML declaration are refused too.
func (d *decoder) next() (xml.Token, error) {
	for {
		tok, err := d.x.Token()
		if err != nil {
			if err == io.EOF {
				return nil, &Error{Msg: "unexpected end of document"}
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, &Error{Msg: "DTDs and entity declarations are not allowed"}
		case xml.Comment:
			continue
		case xml.ProcInst:
			if t.Target == "xml" {
				continue
			}
			return nil, &Error{Msg: "processing instructions are not allowed"}
		case xml.CharData:
			return t, nil
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return t, nil
		}
	}
}

// nextElem skips whitespace and returns the next start or end element.
func (d *decoder) nextElem() (xml.Token, error) {
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok {
			if len(bytes.TrimSpace(cd)) != 0 {
				return nil, &Error{Msg: "unexpected text " + strconv.Quote(clip(string(cd)))}
			}
			continue
		}
		return tok, nil
	}
}

func (d *decoder) expectStart(name string) error {
	tok, err := d.nextElem()
	if err != nil {
		return err
	}
	if s, ok := tok.(xml.StartElement); ok && s.Name.Local == name {
		return nil
	}
	return &Error{Msg: "expected <" + name + ">, got " + describe(tok)}
}

func (d *decoder) expectEnd(name string) error {
	tok, err := d.nextElem()
	if err != nil {
		return err
	}
	if e, ok := tok.(xml.EndElement); ok && e.Name.Local == name {
		return nil
	}
	return &Error{Msg: "expected </" + name + ">, got " + describe(tok)}
}

func (d *decoder) call() (*Call, error) {
	if err := d.expectStart("methodCall"); err != nil {
		return nil, err
	}
	if err := d.expectStart("methodName"); err != nil {
		return nil, err
	}
	name, err := d.text("methodName", 256)
	if err != nil {
		return nil, err
	}
	call := &Call{Method: strings.TrimSpace(name)}
	if call.Method == "" {
		return nil, &Error{Msg: "empty methodName"}
	}
	tok, err := d.nextElem()
	if err != nil {
		return nil, err
	}
	if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "params" {
		if call.Params, err = d.params(); err != nil {
			return nil, err
		}
		if tok, err = d.nextElem(); err != nil {
			return nil, err
		}
	}
	if e, ok := tok.(xml.EndElement); !ok || e.Name.Local != "methodCall" {
		return nil, &Error{Msg: "expected </methodCall>, got " + describe(tok)}
	}
	// Nothing but whitespace, comments and the end may follow.
	for {
		tok, err := d.x.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Comment:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, &Error{Msg: "trailing data after </methodCall>"}
			}
		default:
			return nil, &Error{Msg: "trailing data after </methodCall>"}
		}
	}
	return call, nil
}

func (d *decoder) params() ([]any, error) {
	params := []any{}
	for {
		tok, err := d.nextElem()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement: // </params>
			return params, nil
		case xml.StartElement:
			if t.Name.Local != "param" {
				return nil, &Error{Msg: "expected <param>, got " + describe(tok)}
			}
			if err := d.expectStart("value"); err != nil {
				return nil, err
			}
			v, err := d.value(1)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd("param"); err != nil {
				return nil, err
			}
			params = append(params, v)
		}
	}
}

// value decodes the content of a <value> whose start tag was consumed,
// through its end tag.
func (d *decoder) value(depth int) (any, error) {
	if depth > d.lim.MaxDepth {
		return nil, &Error{Msg: "nesting too deep"}
	}
	d.values++
	if d.values > d.lim.MaxValues {
		return nil, &Error{Msg: "too many values"}
	}
	// Either text then </value> (an untyped string), or one typed element
	// surrounded by whitespace.
	var text strings.Builder
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if text.Len()+len(t) > d.lim.MaxString {
				return nil, &Error{Msg: "string too long"}
			}
			text.Write(t)
		case xml.EndElement:
			return text.String(), nil
		case xml.StartElement:
			if len(strings.TrimSpace(text.String())) != 0 {
				return nil, &Error{Msg: "mixed content in <value>"}
			}
			v, err := d.typed(t.Name.Local, depth)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd("value"); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
}

// typed decodes one typed element (its start tag consumed) through its end.
func (d *decoder) typed(tag string, depth int) (any, error) {
	switch tag {
	case "array":
		return d.array(depth)
	case "struct":
		return d.strct(depth)
	case "nil":
		if err := d.expectEnd(tag); err != nil {
			return nil, err
		}
		return nil, nil
	}
	s, err := d.text(tag, d.lim.MaxString)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "string":
		return s, nil
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		return parseInt(s)
	case "boolean":
		switch strings.TrimSpace(s) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, &Error{Msg: "bad boolean value"}
	case "double", "float", "bigdecimal":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, &Error{Msg: "bad double value"}
		}
		return f, nil
	case "dateTime.iso8601":
		return parseDateTime(s)
	case "base64":
		b, err := base64.StdEncoding.DecodeString(stripSpace(s))
		if err != nil {
			return nil, &Error{Msg: "bad base64 value"}
		}
		return b, nil
	}
	return nil, &Error{Msg: "unknown value type <" + clip(tag) + ">"}
}

// text reads character data up to the end tag of tag; no child elements.
func (d *decoder) text(tag string, maxLen int) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if b.Len()+len(t) > maxLen {
				return "", &Error{Msg: "string too long"}
			}
			b.Write(t)
		case xml.EndElement:
			if t.Name.Local != tag {
				return "", &Error{Msg: "expected </" + tag + ">"}
			}
			return b.String(), nil
		default:
			return "", &Error{Msg: "unexpected element in <" + tag + ">"}
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	if err := d.expectStart("data"); err != nil {
		return nil, err
	}
	out := []any{}
	for {
		tok, err := d.nextElem()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement: // </data>
			if err := d.expectEnd("array"); err != nil {
				return nil, err
			}
			return out, nil
		case xml.StartElement:
			if t.Name.Local != "value" {
				return nil, &Error{Msg: "expected <value> in <data>, got " + describe(tok)}
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
}

func (d *decoder) strct(depth int) (any, error) {
	out := map[string]any{}
	for {
		tok, err := d.nextElem()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement: // </struct>
			return out, nil
		case xml.StartElement:
			if t.Name.Local != "member" {
				return nil, &Error{Msg: "expected <member>, got " + describe(tok)}
			}
			if err := d.expectStart("name"); err != nil {
				return nil, err
			}
			name, err := d.text("name", d.lim.MaxString)
			if err != nil {
				return nil, err
			}
			if err = d.expectStart("value"); err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd("member"); err != nil {
				return nil, err
			}
			// Last wins, as in Python's unmarshaller.
			out[name] = v
		}
	}
}

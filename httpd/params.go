package httpd

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"

	"github.com/rampart/rampart/errs"
)

// Validator is implemented by Route.Params structs that check themselves
// beyond their types; it returns every problem, field by field.
type Validator interface {
	Validate() []errs.FieldError
}

// bindParams decodes the route's declared input into a fresh value of the
// Params type: JSON object members for json routes, form/query values for
// http routes. Unknown members are refused: a typo must not be ignored.
func bindParams(route *Route, req *Request, body []byte) (any, error) {
	t := reflect.TypeOf(route.Params)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	ptr := reflect.New(t)
	var src any = req.Params
	if route.Type == TypeHTTP {
		if err := req.HTTP.ParseForm(); err != nil {
			return nil, errs.Wrap(errs.BadRequest, err, "The form could not be parsed.")
		}
		src = formObject(req.HTTP.Form)
	}
	raw, err := json.Marshal(src)
	if err != nil {
		return nil, errs.Wrap(errs.BadRequest, err, "invalid parameters")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(ptr.Interface()); err != nil {
		return nil, errs.Validation("invalid parameters", paramError(err))
	}
	if v, ok := ptr.Interface().(Validator); ok {
		if fes := v.Validate(); len(fes) > 0 {
			return nil, errs.Validation("invalid parameters", fes...)
		}
	}
	return ptr.Interface(), nil
}

func formObject(f url.Values) map[string]any {
	m := make(map[string]any, len(f))
	for k, vs := range f {
		if k == "csrf_token" {
			continue // consumed by the CSRF check, as Odoo pops it
		}
		if len(vs) == 1 {
			m[k] = vs[0]
		} else {
			m[k] = vs
		}
	}
	return m
}

func paramError(err error) errs.FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return errs.FieldError{Field: te.Field, Message: "must be of type " + te.Type.String()}
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		return errs.FieldError{Field: strings.Trim(msg[i+len("unknown field "):], `"`), Message: "unknown field"}
	}
	return errs.FieldError{Field: "", Message: "invalid parameters"}
}

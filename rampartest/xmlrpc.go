package rampartest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// XMLRPC calls /xmlrpc/2/* as an Odoo client library does: execute_kw
// with the database name, the uid and a password or API key.
type XMLRPC struct {
	URL, DB  string
	UID      int64
	Password string
	HTTP     *http.Client
}

// XMLRPC is an XML-RPC client of the demo user with its API key as the
// password (use Password = login for the password itself).
func (a *App) XMLRPC(t testing.TB, login string) *XMLRPC {
	t.Helper()
	return &XMLRPC{URL: a.URL, DB: a.Config.DBName, UID: a.UID(t, login), Password: a.DemoKeys[login], HTTP: http.DefaultClient}
}

// ExecuteKW calls object.execute_kw; it returns the status, the decoded
// result, and the fault string ("" when none).
func (c *XMLRPC) ExecuteKW(t testing.TB, model, method string, args []any, kwargs map[string]any) (int, any, string) {
	t.Helper()
	params := []any{c.DB, c.UID, c.Password, model, method, args}
	if kwargs != nil {
		params = append(params, kwargs)
	}
	return c.Call(t, "/xmlrpc/2/object", "execute_kw", params...)
}

// Call calls method at path (e.g. /xmlrpc/2/common, "authenticate").
func (c *XMLRPC) Call(t testing.TB, path, method string, params ...any) (int, any, string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><methodCall><methodName>` + method + `</methodName><params>`)
	for _, p := range params {
		b.WriteString("<param>")
		encodeValue(&b, p)
		b.WriteString("</param>")
	}
	b.WriteString("</params></methodCall>")
	resp, err := c.HTTP.Post(c.URL+path, "text/xml", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	v, fault, err := decodeResponse(raw)
	if err != nil && resp.StatusCode == http.StatusOK {
		t.Fatalf("%s %s: undecodable answer: %v\n%s", path, method, err, raw)
	}
	return resp.StatusCode, v, fault
}

func encodeValue(b *strings.Builder, v any) {
	b.WriteString("<value>")
	switch x := v.(type) {
	case nil:
		b.WriteString("<boolean>0</boolean>")
	case bool:
		if x {
			b.WriteString("<boolean>1</boolean>")
		} else {
			b.WriteString("<boolean>0</boolean>")
		}
	case int:
		b.WriteString("<int>" + strconv.Itoa(x) + "</int>")
	case int64:
		b.WriteString("<int>" + strconv.FormatInt(x, 10) + "</int>")
	case float64:
		b.WriteString("<double>" + strconv.FormatFloat(x, 'g', -1, 64) + "</double>")
	case string:
		b.WriteString("<string>")
		xml.EscapeText(b2w{b}, []byte(x))
		b.WriteString("</string>")
	case []any:
		b.WriteString("<array><data>")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array>")
	case []int64:
		b.WriteString("<array><data>")
		for _, e := range x {
			encodeValue(b, e)
		}
		b.WriteString("</data></array>")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("<struct>")
		for _, k := range keys {
			b.WriteString("<member><name>")
			xml.EscapeText(b2w{b}, []byte(k))
			b.WriteString("</name>")
			encodeValue(b, x[k])
			b.WriteString("</member>")
		}
		b.WriteString("</struct>")
	default:
		panic(fmt.Sprintf("rampartest: cannot encode %T as XML-RPC", v))
	}
	b.WriteString("</value>")
}

type b2w struct{ b *strings.Builder }

func (w b2w) Write(p []byte) (int, error) { return w.b.Write(p) }

// xnode is a generic XML element.
type xnode struct {
	XMLName  xml.Name
	Text     string  `xml:",chardata"`
	Children []xnode `xml:",any"`
}

// decodeResponse decodes a methodResponse: its value, or its fault's
// faultString.
func decodeResponse(raw []byte) (any, string, error) {
	var root xnode
	if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&root); err != nil {
		return nil, "", err
	}
	if root.XMLName.Local != "methodResponse" || len(root.Children) != 1 {
		return nil, "", fmt.Errorf("not a methodResponse")
	}
	body := root.Children[0]
	switch body.XMLName.Local {
	case "fault":
		v, err := decodeValue(body.Children[0])
		if err != nil {
			return nil, "", err
		}
		m, _ := v.(map[string]any)
		s, _ := m["faultString"].(string)
		return nil, s, nil
	case "params":
		if len(body.Children) != 1 || len(body.Children[0].Children) != 1 {
			return nil, "", fmt.Errorf("want one param")
		}
		v, err := decodeValue(body.Children[0].Children[0])
		return v, "", err
	}
	return nil, "", fmt.Errorf("unexpected <%s>", body.XMLName.Local)
}

func decodeValue(n xnode) (any, error) {
	if len(n.Children) == 0 {
		return n.Text, nil // <value>text</value> is a string
	}
	x := n.Children[0]
	switch x.XMLName.Local {
	case "int", "i4", "i8":
		return strconv.ParseInt(strings.TrimSpace(x.Text), 10, 64)
	case "double":
		return strconv.ParseFloat(strings.TrimSpace(x.Text), 64)
	case "boolean":
		return strings.TrimSpace(x.Text) == "1", nil
	case "string", "dateTime.iso8601", "base64":
		return x.Text, nil
	case "nil":
		return nil, nil
	case "array":
		out := []any{}
		if len(x.Children) == 1 {
			for _, c := range x.Children[0].Children {
				v, err := decodeValue(c)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
		}
		return out, nil
	case "struct":
		out := map[string]any{}
		for _, m := range x.Children {
			var name string
			var val xnode
			for _, c := range m.Children {
				switch c.XMLName.Local {
				case "name":
					name = c.Text
				case "value":
					val = c
				}
			}
			v, err := decodeValue(val)
			if err != nil {
				return nil, err
			}
			out[name] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown XML-RPC type <%s>", x.XMLName.Local)
}

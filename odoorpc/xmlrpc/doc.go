// Package xmlrpc is rampart's XML-RPC codec: it decodes a methodCall and
// encodes a methodResponse or a fault, with the value types Python's
// xmlrpc.client (and therefore every Odoo client) exchanges.
//
// It is written for rampart rather than taken from a library because the
// request body is attacker-controlled XML and the codec must be safe by
// construction:
//
//   - any DOCTYPE or other directive is refused, so there are no DTDs, no
//     entity declarations and nothing is ever fetched; undeclared entity
//     references are syntax errors (the tokenizer runs in strict mode with
//     no entity table, so the only entities are the five XML predefines);
//   - total size, nesting depth, number of values and the size of any one
//     string are capped (Limits), so a request costs at most linear time
//     and bounded memory;
//   - every failure is an *Error with a short message safe to send back in
//     a fault; the decoder never panics (it is fuzzed).
//
// Decoded values use plain Go types: int64 (int, i4, i8 and the Apache
// i1/i2/biginteger extensions), float64 (double, float), bool, string (an
// untyped <value> is a string, as the spec says), nil (<nil/>, Python's
// allow_none, with or without the ex: prefix), []any (array),
// map[string]any (struct), time.Time (dateTime.iso8601, as Odoo parses
// with use_datetime=True) and []byte (base64).
//
// Encoding follows Odoo's OdooMarshaller: dates and datetimes are sent as
// strings ("2006-01-02", "2006-01-02 15:04:05"), bytes as their base64
// text, and characters XML 1.0 forbids are stripped so clients never choke.
// Odoo marshals responses with allow_none=False and so cannot send None at
// all (a method returning None faults with "cannot marshal None"); rampart
// sends nil as boolean false instead, which is what Odoo clients already
// receive for every empty value, and never emits <nil/>.
package xmlrpc

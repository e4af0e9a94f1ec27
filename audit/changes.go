package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rampart/rampart/orm"
)

// Changes are the values a create or write set, as the trail keeps them
// (docs/audit.md): record id (decimal) → field name → FieldChange.
type Changes map[string]map[string]FieldChange

// FieldChange is one field's change. Old is absent for a create. Values
// are Odoo's JSON forms (a many2one as the bare id or false), except:
//   - a secret (a field whose name says password, secret, token or key)
//     keeps no value at all, only Redacted: the trail must not become a
//     place to steal credentials from;
//   - a binary value, and any value whose JSON form is longer than
//     MaxValueBytes, is a Digest: its size and SHA-256, enough to tell
//     whether a copy is the one that was written.
type FieldChange struct {
	Old      any  `json:"old,omitempty"`
	New      any  `json:"new,omitempty"`
	Redacted bool `json:"redacted,omitempty"`
}

// Digest stands for a value too large (or binary) to keep.
type Digest struct {
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// MaxValueBytes bounds a value kept verbatim in a change.
const MaxValueBytes = 4096

// secretField reports a field whose values are never kept.
func secretField(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"password", "passwd", "secret", "token", "apikey", "api_key", "totp", "private"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return n == "key" || strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "_hash")
}

// keepValue is v as the trail stores it.
func keepValue(typ string, v any) any {
	if v == nil {
		return nil
	}
	var raw []byte
	switch x := v.(type) {
	case []byte:
		raw = x
	case string:
		if typ == "binary" || len(x) > MaxValueBytes {
			raw = []byte(x)
		}
	default:
		if b, err := json.Marshal(v); err == nil && len(b) > MaxValueBytes {
			raw = b
		}
	}
	if raw == nil && typ != "binary" {
		return v
	}
	h := sha256.Sum256(raw)
	return Digest{Size: len(raw), SHA256: hex.EncodeToString(h[:])}
}

// keepChanges converts the orm's changes, at most maxIDs records (the
// same bound as the ids; the entry's detail then says how many there
// were).
func keepChanges(in map[int64]map[string]orm.Change, order []int64) Changes {
	if len(in) == 0 {
		return nil
	}
	out := Changes{}
	for _, id := range order {
		rc, ok := in[id]
		if !ok {
			continue
		}
		if len(out) >= maxIDs {
			break
		}
		m := make(map[string]FieldChange, len(rc))
		for name, c := range rc {
			if secretField(name) {
				m[name] = FieldChange{Redacted: true}
				continue
			}
			fc := FieldChange{New: keepValue(c.Type, c.New)}
			if !c.Created {
				fc.Old = keepValue(c.Type, c.Old)
			}
			m[name] = fc
		}
		out[strconv.FormatInt(id, 10)] = m
	}
	return out
}

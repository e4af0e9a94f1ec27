package identityhttp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
)

func TestBearerKey(t *testing.T) {
	key := "rp_abcdefghijklmnopqrstuvwxyz234567abcdefgh"
	tests := []struct {
		name    string
		headers map[string][]string
		key     string
		present bool
		kind    errs.Kind // 0 with wantErr false
		wantErr bool
	}{
		{"none", nil, "", false, 0, false},
		{"bearer", map[string][]string{"Authorization": {"Bearer " + key}}, key, true, 0, false},
		{"case and spaces", map[string][]string{"Authorization": {"  bEaReR   " + key + "  "}}, key, true, 0, false},
		{"tab", map[string][]string{"Authorization": {"Bearer\t" + key}}, key, true, 0, false},
		{"x-api-key", map[string][]string{"X-Api-Key": {key}}, key, true, 0, false},
		{"both same", map[string][]string{"Authorization": {"Bearer " + key}, "X-Api-Key": {key}}, key, true, 0, false},
		{"basic is no key", map[string][]string{"Authorization": {"Basic dXNlcjpwYXNz"}}, "", false, 0, false},
		{"bearer empty", map[string][]string{"Authorization": {"Bearer"}}, "", false, errs.Unauthorized, true},
		{"bearer blank", map[string][]string{"Authorization": {"Bearer    "}}, "", false, errs.Unauthorized, true},
		{"two authorization", map[string][]string{"Authorization": {"Bearer a", "Bearer b"}}, "", false, errs.BadRequest, true},
		{"different keys", map[string][]string{"Authorization": {"Bearer " + key}, "X-Api-Key": {"other"}}, "", false, errs.BadRequest, true},
		{"kilobyte", map[string][]string{"Authorization": {"Bearer " + strings.Repeat("k", 1024)}}, "", false, errs.Unauthorized, true},
		{"not utf8", map[string][]string{"X-Api-Key": {"rp_\xff\xfe"}}, "", false, errs.Unauthorized, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tt.headers {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			got, present, err := bearerKey(h)
			if tt.wantErr {
				if !errs.Is(err, tt.kind) {
					t.Fatalf("err = %v, want kind %v", err, tt.kind)
				}
				return
			}
			if err != nil || got != tt.key || present != tt.present {
				t.Fatalf("bearerKey = %q, %v, %v", got, present, err)
			}
		})
	}
}

func FuzzBearerKey(f *testing.F) {
	key := "rp_abcdefghijklmnopqrstuvwxyz234567abcdefgh"
	for _, s := range []string{"Bearer " + key, "bearer x", "Basic abc", "Bearer", "", "Bearer \xff", "Bearer\t\t" + key} {
		f.Add(s, "")
	}
	f.Add("", key)
	f.Fuzz(func(t *testing.T, auth, xkey string) {
		h := http.Header{}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		if xkey != "" {
			h.Set("X-API-Key", xkey)
		}
		k, present, err := bearerKey(h)
		if err != nil {
			if k := errs.KindOf(err); k != errs.BadRequest && k != errs.Unauthorized {
				t.Fatalf("kind %v", k)
			}
			return
		}
		if present && (k == "" || len(k) > identity.MaxKeyLength) {
			t.Fatalf("accepted %q", k)
		}
	})
}

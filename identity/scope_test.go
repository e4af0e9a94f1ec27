package identity

import (
	"testing"

	"github.com/rampart/rampart/errs"
)

func TestScopeAllows(t *testing.T) {
	tests := []struct {
		scopes    []string
		model, op string
		want      bool
	}{
		{nil, "sale.order", "unlink", true},
		{[]string{"rpc"}, "sale.order", "unlink", true},
		{[]string{"read"}, "sale.order", "read", true},
		{[]string{"read"}, "sale.order", "write", false},
		{[]string{"model:sale.order"}, "sale.order", "create", true},
		{[]string{"model:sale.order"}, "res.partner", "read", false},
		{[]string{"model:sale.order:read"}, "sale.order", "read", true},
		{[]string{"model:sale.order:read"}, "sale.order", "write", false},
		{[]string{"model:sale.order:read", "model:res.partner"}, "res.partner", "unlink", true},
		{[]string{"webhooks"}, "sale.order", "read", false},
		{[]string{}, "sale.order", "read", false},
	}
	for _, tt := range tests {
		if got := ScopeAllows(tt.scopes, tt.model, tt.op); got != tt.want {
			t.Errorf("ScopeAllows(%v, %s, %s) = %v", tt.scopes, tt.model, tt.op, got)
		}
	}
}

func TestRouteScopeAllowed(t *testing.T) {
	tests := []struct {
		scopes   []string
		required string
		want     bool
	}{
		{nil, "webhooks", true},
		{[]string{"read"}, "", true},
		{[]string{"rpc"}, "webhooks", true},
		{[]string{"webhooks"}, "webhooks", true},
		{[]string{"read"}, "webhooks", false},
		{[]string{"read"}, "rpc", true},
		{[]string{"model:sale.order"}, "rpc", true},
		{[]string{"webhooks"}, "rpc", false},
	}
	for _, tt := range tests {
		if got := RouteScopeAllowed(tt.scopes, tt.required); got != tt.want {
			t.Errorf("RouteScopeAllowed(%v, %q) = %v", tt.scopes, tt.required, got)
		}
	}
}

func TestNormalizeScopes(t *testing.T) {
	good := [][]string{nil, {"rpc"}, {"read", "read"}, {"model:sale.order"}, {"model:sale.order:unlink"}, {"web-hooks"}}
	for _, s := range good {
		if _, err := NormalizeScopes(s); err != nil {
			t.Errorf("NormalizeScopes(%v): %v", s, err)
		}
	}
	bad := [][]string{{""}, {"RPC"}, {"model:"}, {"model:sale.order:drop"}, {"model:Sale"}, {"a b"}, {"x\x00"}}
	for _, s := range bad {
		if _, err := NormalizeScopes(s); !errs.Is(err, errs.ValidationError) {
			t.Errorf("NormalizeScopes(%q) = %v", s, err)
		}
	}
	if got, _ := NormalizeScopes(nil); len(got) != 1 || got[0] != "rpc" {
		t.Errorf("default scopes %v", got)
	}
}

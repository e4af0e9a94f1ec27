package sales

import (
	"testing"

	"github.com/rampart/rampart/orm"
)

func TestSecurityLoads(t *testing.T) {
	reg := orm.NewRegistry(orm.AllowAll{})
	if err := Register(reg); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSecurity(reg, nil)
	if err != nil {
		t.Fatalf("demo security refused:\n%v", err)
	}
	if len(s.Skipped) > 0 {
		t.Errorf("skipped: %v", s.Skipped)
	}
	for _, u := range DemoUsers() {
		for _, g := range u.Groups {
			if s.Groups[g] == nil {
				t.Errorf("demo user %s: unknown group %s", u.Login, g)
			}
		}
	}
	if !s.Member([]string{GroupManager}, GroupSalesman) || s.Member([]string{GroupSalesman}, GroupManager) {
		t.Error("implied groups wrong")
	}
}

package access

import (
	"context"
	"maps"
	"slices"

	"github.com/rampart/rampart/identity"
)

// EnsureGroups stores the groups declared in s (not the base groups, which
// identity seeds itself) in identity's tables, implied groups first, so
// that users can be given them. Run it at start-up after loading the Set.
func EnsureGroups(ctx context.Context, svc *identity.Service, s *Set) error {
	done := map[string]bool{}
	var visit func(id string) error
	visit = func(id string) error {
		if done[id] {
			return nil
		}
		done[id] = true
		g := s.Groups[id]
		if g == nil {
			return nil
		}
		for _, i := range g.Implied {
			if err := visit(i); err != nil {
				return err
			}
		}
		if g.Pos.File == "" {
			return nil // a base group: identity's Bootstrap owns it
		}
		_, err := svc.EnsureGroup(ctx, identity.Group{XMLID: g.XMLID, Name: g.Name, Implied: g.Implied})
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(s.Groups)) {
		if err := visit(id); err != nil {
			return err
		}
	}
	return nil
}

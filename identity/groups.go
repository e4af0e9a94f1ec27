package identity

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Well-known group external ids.
const (
	GroupPublic     = "base.group_public"
	GroupPortal     = "base.group_portal"
	GroupUser       = "base.group_user"
	GroupSystem     = "base.group_system"
	GroupERPManager = "base.group_erp_manager"
	GroupNoOne      = "base.group_no_one"
	// GroupAllowDoc is Odoo 19's api_doc.group_allow_doc ("Technical
	// Documentation"): the users who may read /doc and its JSON documents.
	// Settings administrators get it by implication, as in Odoo.
	GroupAllowDoc = "api_doc.group_allow_doc"
)

// Group is a res.groups record.
type Group struct {
	ID    int64
	XMLID string // external id, e.g. "sales.group_manager"
	Name  string
	// Implied lists the external ids this group directly implies; a member
	// also gets them (transitively).
	Implied []string
	// APIKeyDuration is the longest API key lifetime, in days, this group
	// grants its members; nil contributes nothing (Odoo's Float 0).
	APIKeyDuration *float64
}

func days(d float64) *float64 { return &d }

// baseGroups are seeded by Bootstrap, in dependency order.
var baseGroups = []Group{
	{XMLID: GroupPublic, Name: "Public"},
	{XMLID: GroupPortal, Name: "Portal"},
	{XMLID: GroupUser, Name: "Internal User", APIKeyDuration: days(90)},
	{XMLID: GroupNoOne, Name: "Technical Features"},
	{XMLID: GroupAllowDoc, Name: "Technical Documentation"},
	{XMLID: GroupERPManager, Name: "Access Rights", Implied: []string{GroupUser}},
	{XMLID: GroupSystem, Name: "Settings", Implied: []string{GroupUser, GroupERPManager, GroupAllowDoc}},
}

// EnsureGroup creates or updates a group by external id: its name, key
// duration and direct implications (which must exist) are set to g's, and
// the transitive closure is recomputed. Apps call it at start-up for their
// own groups. It returns the group's id.
func (s *Service) EnsureGroup(ctx context.Context, g Group) (int64, error) {
	if !validXMLID(g.XMLID) || g.Name == "" {
		return 0, errs.E(errs.ValidationError, "A group needs an external id (module.name) and a name.")
	}
	if g.APIKeyDuration != nil && *g.APIKeyDuration < 0 {
		return 0, errs.E(errs.ValidationError, "A group's API key duration cannot be negative.")
	}
	var id int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id FROM res_groups WHERE xmlid = ?`, g.XMLID).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRow(ctx, `INSERT INTO res_groups (xmlid, name, api_key_duration) VALUES (?, ?, ?) RETURNING id`,
				g.XMLID, g.Name, g.APIKeyDuration).Scan(&id)
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE res_groups SET name = ?, api_key_duration = ? WHERE id = ?`, g.Name, g.APIKeyDuration, id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM res_groups_implied_rel WHERE gid = ?`, id); err != nil {
			return err
		}
		for _, x := range g.Implied {
			hid, err := groupID(ctx, tx, x)
			if err != nil {
				return err
			}
			if hid == id {
				return errs.E(errs.ValidationError, "A group cannot imply itself.")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO res_groups_implied_rel (gid, hid) VALUES (?, ?)`, id, hid); err != nil {
				return err
			}
		}
		return recomputeClosure(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	// Implications changed for every member: cached principals are stale.
	s.cache.clear()
	s.resetPublic()
	s.inval.publish(ctx, msgAll)
	return id, nil
}

// Groups lists every group with its direct implications.
func (s *Service) Groups(ctx context.Context) ([]Group, error) {
	var out []Group
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, `SELECT id, xmlid, name, api_key_duration FROM res_groups ORDER BY id`)
		if err != nil {
			return err
		}
		byID := map[int64]int{}
		for rows.Next() {
			var g Group
			var d sql.NullFloat64
			if err := rows.Scan(&g.ID, &g.XMLID, &g.Name, &d); err != nil {
				rows.Close()
				return err
			}
			if d.Valid {
				g.APIKeyDuration = days(d.Float64)
			}
			byID[g.ID] = len(out)
			out = append(out, g)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		edges, err := loadEdges(ctx, tx, `res_groups_implied_rel`)
		if err != nil {
			return err
		}
		for gid, hids := range edges {
			for _, h := range hids {
				out[byID[gid]].Implied = append(out[byID[gid]].Implied, out[byID[h]].XMLID)
			}
		}
		return nil
	})
	return out, err
}

func groupID(ctx context.Context, tx *store.Tx, xmlid string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM res_groups WHERE xmlid = ?`, xmlid).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.Ef(errs.ValidationError, "Unknown group %s.", quoteSafe(xmlid))
	}
	return id, err
}

// loadEdges reads a (gid, hid) table. table is one of this package's names.
func loadEdges(ctx context.Context, tx *store.Tx, table string) (map[int64][]int64, error) {
	rows, err := tx.Query(ctx, `SELECT gid, hid FROM `+table+` ORDER BY gid, hid`)
	if err != nil {
		return nil, err
	}
	edges := map[int64][]int64{}
	for rows.Next() {
		var g, h int64
		if err := rows.Scan(&g, &h); err != nil {
			rows.Close()
			return nil, err
		}
		edges[g] = append(edges[g], h)
	}
	return edges, closeRows(rows)
}

// recomputeClosure rewrites res_groups_implied as the transitive closure of
// res_groups_implied_rel. Group graphs are small (tens to hundreds of
// rows) and change only at start-up, so recomputing all of it is simplest.
// A cycle is allowed (Odoo tolerates it) and simply makes groups equivalent.
func recomputeClosure(ctx context.Context, tx *store.Tx) error {
	edges, err := loadEdges(ctx, tx, `res_groups_implied_rel`)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM res_groups_implied`); err != nil {
		return err
	}
	gids := make([]int64, 0, len(edges))
	for g := range edges {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	for _, g := range gids {
		for _, h := range reachable(edges, g) {
			if _, err := tx.Exec(ctx, `INSERT INTO res_groups_implied (gid, hid) VALUES (?, ?)`, g, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// reachable lists the groups reachable from g (g itself excluded), sorted.
func reachable(edges map[int64][]int64, g int64) []int64 {
	seen := map[int64]bool{g: true}
	stack := append([]int64(nil), edges[g]...)
	var out []int64
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
		stack = append(stack, edges[h]...)
	}
	slices.Sort(out)
	return out
}

// validXMLID: module.name, both parts of [a-z0-9_].
func validXMLID(s string) bool {
	mod, name, ok := strings.Cut(s, ".")
	return ok && ident(mod) && ident(name)
}

func ident(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// closeRows closes rows and reports an iteration error.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

package lint

import (
	"context"
	"sort"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
)

// Sources are an opened App's components (opened read-only by the CLI).
type Sources struct {
	DB        *store.DB
	Routes    []*httpd.Route
	Registry  *orm.Registry
	Security  *access.Set
	Identity  *identity.Service
	Audit     *audit.Trail
	TwoFactor TwoFactor
	// SudoSince starts the window sudo reasons are counted over (zero:
	// the whole trail).
	SudoSince time.Time
	Now       time.Time
}

// Gather reads what the checks need. It only reads: keys and users
// through identity, logins and sudo entries through the audit trail's
// search, and the users' creation dates from res_users.
func Gather(ctx context.Context, s Sources) (Input, error) {
	in := Input{Routes: s.Routes, Models: s.Registry, Security: s.Security, TwoFactor: s.TwoFactor, SudoSince: s.SudoSince, Now: s.Now}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	keys, err := s.Identity.ListAPIKeys(ctx, 0)
	if err != nil {
		return in, err
	}
	lastKeyUse := map[int64]time.Time{}
	for _, k := range keys {
		in.Keys = append(in.Keys, Key{ID: k.ID, Login: k.Login, Name: k.Name, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, LastUsed: k.LastUsedAt})
		if k.LastUsedAt != nil && k.LastUsedAt.After(lastKeyUse[k.UserID]) {
			lastKeyUse[k.UserID] = *k.LastUsedAt
		}
	}
	users, err := s.Identity.ListUsers(ctx)
	if err != nil {
		return in, err
	}
	created, err := userCreated(ctx, s.DB)
	if err != nil {
		return in, err
	}
	for _, u := range users {
		lu := User{ID: u.ID, Login: u.Login, Active: u.Active, Groups: u.Groups, Created: created[u.ID], LastSeen: lastKeyUse[u.ID]}
		if !u.Active {
			in.Users = append(in.Users, lu)
			continue
		}
		var logins []audit.Entry
		logins, err = s.Audit.Search(ctx, audit.Filter{UserID: u.ID, Op: audit.OpLogin, Limit: 1})
		if err != nil {
			return in, err
		}
		if len(logins) > 0 && logins[0].Time.After(lu.LastSeen) {
			lu.LastSeen = logins[0].Time
		}
		var sessions []identity.SessionInfo
		sessions, err = s.Identity.ListSessions(ctx, u.ID, 0)
		if err != nil {
			return in, err
		}
		for _, se := range sessions {
			if se.LastSeenAt.After(lu.LastSeen) {
				lu.LastSeen = se.LastSeenAt
			}
		}
		in.Users = append(in.Users, lu)
	}
	in.Sudo, err = sudoReasons(ctx, s.Audit, s.SudoSince)
	return in, err
}

// userCreated reads res_users.create_date (identity's table: a TEXT
// "YYYY-MM-DD HH:MM:SS" on SQLite, a TIMESTAMP on PostgreSQL, both UTC).
func userCreated(ctx context.Context, db *store.DB) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	err := db.Read(ctx, func(tx *store.Tx) error {
		clear(out)
		rows, err := tx.Query(ctx, `SELECT id, create_date FROM res_users`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var v any
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			out[id] = dbTime(v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, errs.Internalf("lint: users' creation dates: %w", err)
	}
	return out, nil
}

// dbTime reads a naive UTC timestamp as either driver returns it; an
// unreadable value is the zero time (unknown: the idle check then relies
// on logins only).
func dbTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	case []byte:
		return dbTime(string(t))
	case string:
		for _, layout := range []string{time.DateTime, "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
			if p, err := time.Parse(layout, t); err == nil {
				return p.UTC()
			}
		}
	}
	return time.Time{}
}

// sudoReasons counts the sudo entries per reason since the given time,
// reading the whole window page by page (no silent cut).
func sudoReasons(ctx context.Context, trail *audit.Trail, since time.Time) ([]ReasonCount, error) {
	counts := map[string]int{}
	var before int64
	for {
		page, err := trail.Search(ctx, audit.Filter{Op: audit.OpSudo, Since: since, BeforeID: before, Limit: audit.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			counts[e.Reason]++
			before = e.ID
		}
		if len(page) < audit.MaxLimit {
			break
		}
	}
	out := make([]ReasonCount, 0, len(counts))
	for r, n := range counts {
		out = append(out, ReasonCount{Reason: r, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out, nil
}

package identity

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// APIKey describes a key. The secret itself is returned once, by
// CreateAPIKey, and never stored.
type APIKey struct {
	ID     int64    `json:"id"`
	UserID int64    `json:"user_id"`
	Login  string   `json:"login"`
	Name   string   `json:"name"`
	Hint   string   `json:"hint"` // the first characters, e.g. "rp_abcdefgh"
	Scopes []string `json:"scopes"`
	// ExpiresAt nil: never (administrators only).
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	LastUsedIP string     `json:"last_used_ip"`
}

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	UserID int64
	Name   string
	// Scopes: see ScopeAllows; empty means ["rpc"].
	Scopes []string
	// ExpiresIn is the key's lifetime; required (> 0) unless NoExpiry.
	// It may not exceed the longest api_key_duration of the owner's groups
	// (1 day when none sets one); members of base.group_system have no cap.
	ExpiresIn time.Duration
	// NoExpiry asks for a persistent key: only for base.group_system owners.
	NoExpiry bool
	// Actor is who creates it (for the trail); nil for the CLI.
	Actor  *principal.Principal
	Client netip.Addr
}

const maxKeyName = 128

// CreateAPIKey creates a key and returns its secret, to be shown once.
// Refusals: ValidationError (name, scopes, expiry), UserError (too many
// live keys), AccessError (owner not an internal user).
func (s *Service) CreateAPIKey(ctx context.Context, k NewAPIKey) (string, *APIKey, error) {
	name := strings.TrimSpace(k.Name)
	if name == "" || len(name) > maxKeyName || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return "", nil, errs.Validation("An API key needs a name of 1 to 128 characters.", errs.FieldError{Field: "name", Message: "required, at most 128 characters"})
	}
	scopes, err := NormalizeScopes(k.Scopes)
	if err != nil {
		return "", nil, err
	}
	owner, err := s.Principal(ctx, k.UserID)
	if err != nil {
		return "", nil, err
	}
	u, err := s.User(ctx, k.UserID)
	if err != nil {
		return "", nil, err
	}
	// Internal users create their own keys (Odoo's rule); a portal user's
	// key can only be issued by an administrator or from the server's CLI.
	// Either way the key can do no more than its owner.
	byAdmin := k.Actor == nil || k.Actor.IsSystem()
	if !u.Active || !owner.InGroup(GroupUser) && !byAdmin {
		return "", nil, errs.E(errs.AccessError, "Only active internal users can have API keys.")
	}
	maxDays, err := s.maxKeyDays(ctx, owner)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	var expires any // nil: never
	switch {
	case k.NoExpiry && math.IsInf(maxDays, 1):
	case k.NoExpiry || k.ExpiresIn <= 0:
		return "", nil, errs.E(errs.ValidationError, "The API key must have an expiration date")
	case k.ExpiresIn > 100*365*24*time.Hour:
		return "", nil, errs.E(errs.ValidationError, "An API key cannot last more than 100 years.")
	case !math.IsInf(maxDays, 1) && k.ExpiresIn > time.Duration(maxDays*float64(24*time.Hour)):
		return "", nil, errs.Ef(errs.ValidationError, "You cannot exceed %g days.", maxDays)
	default:
		expires = now.Add(k.ExpiresIn).UnixMilli()
	}
	secret, err := newKeySecret()
	if err != nil {
		return "", nil, errs.Internalf("new key: %w", err)
	}
	key := &APIKey{UserID: u.ID, Login: u.Login, Name: name, Hint: secret[:keyShownLen], Scopes: scopes, CreatedAt: now.UTC()}
	if expires != nil {
		t := time.UnixMilli(expires.(int64)).UTC()
		key.ExpiresAt = &t
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if tx.Dialect().Name() == "postgres" {
			// Serializes concurrent creations for one user, so the limit holds.
			if _, err := tx.Exec(ctx, `SELECT id FROM res_users WHERE id = ? FOR UPDATE`, u.ID); err != nil {
				return err
			}
		}
		var live int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_api_keys WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
			u.ID, now.UnixMilli()).Scan(&live); err != nil {
			return err
		}
		if live >= s.cfg.APIKeyMaxPerUser {
			return errs.Ef(errs.UserError, "Limit of %d active API keys reached: revoke one first.", s.cfg.APIKeyMaxPerUser)
		}
		return tx.QueryRow(ctx, `INSERT INTO rampart_api_keys (user_id, name, digest, hint, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.ID, name, secretDigest(secret), key.Hint, strings.Join(scopes, " "), now.UnixMilli(), expires).Scan(&key.ID)
	})
	if err != nil {
		return "", nil, err
	}
	s.log.Info("api key created", "key_id", key.ID, "uid", u.ID, "scopes", key.Scopes, "ip", addrString(k.Client))
	s.emit(ctx, AuthEvent{Type: EventKeyCreated, UserID: u.ID, Login: u.Login, ActorID: actorID(k.Actor, u.ID), Client: k.Client, KeyID: key.ID})
	return secret, key, nil
}

func actorID(p *principal.Principal, owner int64) int64 {
	if p == nil || p.UserID == owner {
		return 0
	}
	return p.UserID
}

// maxKeyDays is Odoo's cap: the largest api_key_duration among the owner's
// groups, 1 day when none sets one; +Inf for base.group_system members.
func (s *Service) maxKeyDays(ctx context.Context, owner *principal.Principal) (float64, error) {
	if owner.IsSystem() {
		return math.Inf(1), nil
	}
	best := 0.0
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT api_key_duration FROM res_groups WHERE api_key_duration IS NOT NULL`+
			` AND id IN (SELECT gid FROM res_groups_users_rel WHERE uid = ? UNION SELECT i.hid FROM res_groups_implied i JOIN res_groups_users_rel r ON r.gid = i.gid WHERE r.uid = ?)`,
			owner.UserID, owner.UserID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d float64
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return err
			}
			best = max(best, d)
		}
		return closeRows(rows)
	})
	if best == 0 {
		best = 1
	}
	return best, err
}

// ListAPIKeys lists the keys of user uid (0: everyone's), newest first,
// revoked and expired ones included.
func (s *Service) ListAPIKeys(ctx context.Context, uid int64) ([]APIKey, error) {
	var out []APIKey
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT k.id, k.user_id, u.login, k.name, k.hint, k.scopes, k.created_at, k.expires_at, k.revoked_at, k.last_used_at, k.last_used_ip
			FROM rampart_api_keys k JOIN res_users u ON u.id = k.user_id WHERE (? = 0 OR k.user_id = ?) ORDER BY k.id DESC`, uid, uid)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k APIKey
			var scopes string
			var created int64
			var expires, revoked, used sql.NullInt64
			var ip sql.NullString
			if err := rows.Scan(&k.ID, &k.UserID, &k.Login, &k.Name, &k.Hint, &scopes, &created, &expires, &revoked, &used, &ip); err != nil {
				rows.Close()
				return err
			}
			k.Scopes = strings.Fields(scopes)
			k.CreatedAt = time.UnixMilli(created).UTC()
			k.ExpiresAt, k.RevokedAt, k.LastUsedAt = msTime(expires), msTime(revoked), msTime(used)
			k.LastUsedIP = ip.String
			out = append(out, k)
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	// Uses not yet flushed are newer than what the table says.
	for i := range out {
		if at, ip, ok := s.usage.get(out[i].ID); ok {
			t := at.UTC()
			out[i].LastUsedAt, out[i].LastUsedIP = &t, ip
		}
	}
	return out, nil
}

func msTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// RevokeAPIKey revokes key id. actor nil (the CLI) or a base.group_system
// member may revoke any key; anyone else only their own: another user's
// key is errs.NotFound, as is a key already revoked. The key stops working
// on this instance at once, elsewhere within CacheTTL.
func (s *Service) RevokeAPIKey(ctx context.Context, actor *principal.Principal, id int64) error {
	anyKey := actor == nil || actor.IsSystem()
	owner := int64(0)
	if actor != nil {
		owner = actor.UserID
	}
	var uid int64
	var login string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT k.user_id, u.login FROM rampart_api_keys k JOIN res_users u ON u.id = k.user_id
			WHERE k.id = ? AND k.revoked_at IS NULL AND (? OR k.user_id = ?)`, id, anyKey, owner).Scan(&uid, &login)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "No such API key.")
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rampart_api_keys SET revoked_at = ? WHERE id = ?`, s.now().UnixMilli(), id)
		return err
	})
	if err != nil {
		// Perhaps revoked on another instance: forget it here too.
		s.cache.dropWhere(func(e *credEntry) bool { return e.keyID == id })
		return err
	}
	s.cache.dropUserWhere(uid, func(e *credEntry) bool { return e.keyID == id })
	s.inval.publish(ctx, msgUser(uid))
	s.log.Info("api key revoked", "key_id", id, "uid", uid, "by", owner)
	s.emit(ctx, AuthEvent{Type: EventKeyRevoked, UserID: uid, Login: login, ActorID: actorID(actor, uid), KeyID: id})
	return nil
}

// errInvalidKey is Odoo's answer to a bad, expired or revoked key.
func errInvalidKey() error {
	return errs.E(errs.Unauthorized, "Invalid apikey").WithHeader("WWW-Authenticate", "Bearer")
}

// VerifyAPIKey returns the principal of a valid key (Via "key", KeyID and
// Scopes set). A malformed, unknown, expired or revoked key, or one whose
// owner is inactive, is errs.Unauthorized "Invalid apikey" with
// WWW-Authenticate: Bearer; malformed ones cost no database work.
func (s *Service) VerifyAPIKey(ctx context.Context, secret string, client netip.Addr) (*principal.Principal, error) {
	e, err := s.verifyKey(ctx, secret, client)
	if err != nil {
		return nil, err
	}
	return s.entryPrincipal(e), nil
}

func (s *Service) verifyKey(ctx context.Context, secret string, client netip.Addr) (*credEntry, error) {
	if !wellFormedKey(secret) {
		return nil, errInvalidKey()
	}
	now := s.now()
	k := s.secretKey(kindKey, secret)
	e := s.cache.get(k, now)
	if e == nil {
		var err error
		if e, err = s.loadKey(ctx, secret, now); err != nil {
			return nil, err
		}
		s.cache.put(k, e, now)
	}
	s.usage.record(e.keyID, now, client)
	return e, nil
}

func (s *Service) loadKey(ctx context.Context, secret string, now time.Time) (*credEntry, error) {
	var e *credEntry
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var id int64
		var scopes string
		var expires sql.NullInt64
		u, err := scanUser(tx.QueryRow(ctx, `SELECT k.id, k.scopes, k.expires_at, `+userColsU+`
			FROM rampart_api_keys k JOIN res_users u ON u.id = k.user_id WHERE k.digest = ? AND k.revoked_at IS NULL`,
			secretDigest(secret)), &id, &scopes, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return errInvalidKey()
		}
		if err != nil {
			return err
		}
		if expires.Valid && expires.Int64 <= now.UnixMilli() {
			return errInvalidKey()
		}
		if !u.active || u.login == PublicLogin {
			return errInvalidKey()
		}
		p, err := loadPrincipal(ctx, tx, u)
		if err != nil {
			return err
		}
		p.Via = "key"
		e = &credEntry{p: p, cv: u.cv, keyID: id, scopes: strings.Fields(scopes)}
		if expires.Valid {
			e.expires = time.UnixMilli(expires.Int64)
		}
		return nil
	})
	return e, err
}

// keyUsage holds the last use of each key in memory until FlushKeyUsage
// writes it: a key used a thousand times a second costs one write per
// flush interval, not a thousand.
type keyUsage struct {
	mu sync.Mutex
	m  map[int64]use
}

type use struct {
	at time.Time
	ip netip.Addr
}

func newKeyUsage() *keyUsage { return &keyUsage{m: map[int64]use{}} }

func (u *keyUsage) record(id int64, at time.Time, ip netip.Addr) {
	u.mu.Lock()
	u.m[id] = use{at, ip}
	u.mu.Unlock()
}

func (u *keyUsage) get(id int64) (time.Time, string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	x, ok := u.m[id]
	if !ok {
		return time.Time{}, "", false
	}
	return x.at, addrString(x.ip), true
}

func (u *keyUsage) take() map[int64]use {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.m
	u.m = map[int64]use{}
	return m
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// FlushKeyUsage writes the recorded key uses. Run calls it periodically;
// the CLI and tests may call it directly.
func (s *Service) FlushKeyUsage(ctx context.Context) error {
	m := s.usage.take()
	if len(m) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			x := m[id]
			if _, err := tx.Exec(ctx, `UPDATE rampart_api_keys SET last_used_at = ?, last_used_ip = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
				x.at.UnixMilli(), addrString(x.ip), id, x.at.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Put them back (newer uses recorded meanwhile win).
		s.usage.mu.Lock()
		for id, x := range m {
			if _, ok := s.usage.m[id]; !ok {
				s.usage.m[id] = x
			}
		}
		s.usage.mu.Unlock()
		s.log.LogAttrs(ctx, slog.LevelWarn, "identity: key usage flush failed", slog.Any("err", err))
	}
	return err
}

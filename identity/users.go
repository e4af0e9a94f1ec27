package identity

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// Logins of the built-in users.
const (
	PublicLogin = "__public__"
	SystemLogin = "__system__"
	AdminLogin  = "admin"
)

const maxLoginLen = 256

// User is a res.users record as identity sees it. The password hash never
// leaves the package.
type User struct {
	ID         int64
	Login      string
	Name       string
	Email      string
	Active     bool
	CompanyID  int64
	CompanyIDs []int64
	PartnerID  int64 // 0: none
	// Groups are the groups the user was given directly (external ids);
	// Principal has the implied ones too.
	Groups []string
	// HasPassword is false when password login is disabled.
	HasPassword bool
}

// NewUser describes a user to create.
type NewUser struct {
	Login string
	Name  string // default: the login
	Email string
	// Password, when not empty, is checked against the policy and hashed;
	// empty disables password login (Odoo's convention for bot users).
	Password string
	// Groups are external ids; default base.group_user.
	Groups []string
	// CompanyID defaults to 1; CompanyIDs to [CompanyID]. They reference
	// res_company rows the ORM owns (no foreign key).
	CompanyID  int64
	CompanyIDs []int64
	PartnerID  int64
}

// userRow is the subset of res_users read for authentication.
type userRow struct {
	id        int64
	login     string
	name      string
	active    bool
	hash      string
	companyID int64
	partnerID sql.NullInt64
	cv        int64 // credential version
}

// userCols are the res_users columns scanUser reads; userColsU the same
// for a query that joins res_users as "u".
const (
	userCols  = `id, login, name, active, password, company_id, partner_id, credential_version`
	userColsU = `u.id, u.login, u.name, u.active, u.password, u.company_id, u.partner_id, u.credential_version`
)

// scanUser scans the extra destinations, then the user columns.
func scanUser(row interface{ Scan(...any) error }, extra ...any) (*userRow, error) {
	var u userRow
	err := row.Scan(append(extra, &u.id, &u.login, &u.name, &u.active, &u.hash, &u.companyID, &u.partnerID, &u.cv)...)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// validLogin refuses logins that cannot be stored or shown safely.
func validLogin(login string) error {
	if login == "" || len(login) > maxLoginLen || !utf8.ValidString(login) ||
		strings.TrimSpace(login) != login || strings.ContainsFunc(login, unicode.IsControl) {
		return errs.E(errs.ValidationError, "A login must be 1 to 256 characters of text, without control characters or surrounding spaces.")
	}
	return nil
}

// CreateUser creates a user and returns its id. A login already taken is
// a ValidationError.
func (s *Service) CreateUser(ctx context.Context, u NewUser) (int64, error) {
	if err := validLogin(u.Login); err != nil {
		return 0, err
	}
	if u.Name == "" {
		u.Name = u.Login
	}
	if u.Groups == nil {
		u.Groups = []string{GroupUser}
	}
	if u.CompanyID == 0 {
		u.CompanyID = 1
	}
	if len(u.CompanyIDs) == 0 {
		u.CompanyIDs = []int64{u.CompanyID}
	} else if !slices.Contains(u.CompanyIDs, u.CompanyID) {
		return 0, errs.E(errs.ValidationError, "The user's company must be one of their allowed companies.")
	}
	hash := ""
	if u.Password != "" {
		if err := checkPasswordPolicy(u.Password, u.Login, s.cfg.PasswordMinLength, s.demo); err != nil {
			return 0, err
		}
		var err error
		if hash, err = s.hasher.hash(u.Password); err != nil {
			return 0, errs.Internalf("hash password: %w", err)
		}
	}
	var id int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var partner any
		if u.PartnerID != 0 {
			partner = u.PartnerID
		} else if pid, err := userPartner(ctx, tx, u); err != nil {
			return err
		} else if pid != 0 {
			partner = pid
		}
		err := tx.QueryRow(ctx, `INSERT INTO res_users (login, name, email, password, company_id, partner_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Login, u.Name, u.Email, hash, u.CompanyID, partner).Scan(&id)
		if err != nil {
			// QueryRow errors are not classified by store: check here.
			if tx.Dialect().IsUniqueViolation(err) {
				return errs.Wrap(errs.ValidationError, err, "You can not have two users with the same login!")
			}
			return err
		}
		for _, c := range u.CompanyIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO res_company_users_rel (cid, user_id) VALUES (?, ?)`, c, id); err != nil {
				return err
			}
		}
		return addGroups(ctx, tx, id, u.Groups)
	})
	return id, err
}

func addGroups(ctx context.Context, tx *store.Tx, uid int64, xmlids []string) error {
	for _, x := range xmlids {
		gid, err := groupID(ctx, tx, x)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM res_groups_users_rel WHERE gid = ? AND uid = ?`, gid, uid).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO res_groups_users_rel (gid, uid) VALUES (?, ?)`, gid, uid); err != nil {
				return err
			}
		}
	}
	return nil
}

// User returns a user by id; errs.NotFound when there is none.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	return s.findUser(ctx, `id = ?`, id)
}

// UserByLogin returns a user by login; errs.NotFound when there is none.
func (s *Service) UserByLogin(ctx context.Context, login string) (*User, error) {
	if validLogin(login) != nil {
		return nil, errs.E(errs.NotFound, "No such user.")
	}
	return s.findUser(ctx, `login = ?`, login)
}

func (s *Service) findUser(ctx context.Context, where string, arg any) (*User, error) {
	users, err := s.listUsers(ctx, where, arg)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, errs.E(errs.NotFound, "No such user.")
	}
	return &users[0], nil
}

// ListUsers lists every user by id, built-in ones included.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	return s.listUsers(ctx, `1 = 1`)
}

// listUsers reads users matching where (a constant condition of this
// package with '?' arguments).
func (s *Service) listUsers(ctx context.Context, where string, args ...any) ([]User, error) {
	var out []User
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT id, login, name, email, active, password <> '', company_id, partner_id FROM res_users WHERE `+where+` ORDER BY id`, args...)
		if err != nil {
			return err
		}
		byID := map[int64]int{}
		for rows.Next() {
			var u User
			var partner sql.NullInt64
			if err := rows.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.Active, &u.HasPassword, &u.CompanyID, &partner); err != nil {
				rows.Close()
				return err
			}
			u.PartnerID = partner.Int64
			byID[u.ID] = len(out)
			out = append(out, u)
		}
		if err := closeRows(rows); err != nil || len(out) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT r.uid, g.xmlid FROM res_groups_users_rel r JOIN res_groups g ON g.id = r.gid ORDER BY r.uid, g.xmlid`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var uid int64
			var x string
			if err := rows.Scan(&uid, &x); err != nil {
				rows.Close()
				return err
			}
			if i, ok := byID[uid]; ok {
				out[i].Groups = append(out[i].Groups, x)
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT user_id, cid FROM res_company_users_rel ORDER BY user_id, cid`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var uid, cid int64
			if err := rows.Scan(&uid, &cid); err != nil {
				rows.Close()
				return err
			}
			if i, ok := byID[uid]; ok {
				out[i].CompanyIDs = append(out[i].CompanyIDs, cid)
			}
		}
		return closeRows(rows)
	})
	return out, err
}

// SetPassword sets a user's password (policy checked) and ends all their
// sessions and cached credentials. An empty password disables password
// login.
func (s *Service) SetPassword(ctx context.Context, uid int64, password string) error {
	u, err := s.User(ctx, uid)
	if err != nil {
		return err
	}
	hash := ""
	if password != "" {
		if err := checkPasswordPolicy(password, u.Login, s.cfg.PasswordMinLength, s.demo); err != nil {
			return err
		}
		if hash, err = s.hasher.hash(password); err != nil {
			return errs.Internalf("hash password: %w", err)
		}
	}
	return s.updateCredentials(ctx, uid, `password = ?`, hash)
}

// ImportPasswordHash stores an existing hash, e.g. an Odoo
// $pbkdf2-sha512$ hash from a migrated database; it is upgraded to
// argon2id at the user's next successful login. Ends the user's sessions.
func (s *Service) ImportPasswordHash(ctx context.Context, uid int64, hash string) error {
	if parseHash(hash) != nil {
		return errs.E(errs.ValidationError, "Unsupported password hash: want $argon2id$ or $pbkdf2-sha512$.")
	}
	return s.updateCredentials(ctx, uid, `password = ?`, hash)
}

// SetActive activates or deactivates a user. Deactivation ends all the
// user's sessions and makes their API keys unusable.
func (s *Service) SetActive(ctx context.Context, uid int64, active bool) error {
	return s.updateCredentials(ctx, uid, `active = ?`, active)
}

// SetLogin changes a user's login, ending their sessions.
func (s *Service) SetLogin(ctx context.Context, uid int64, login string) error {
	if err := validLogin(login); err != nil {
		return err
	}
	err := s.updateCredentials(ctx, uid, `login = ?`, login)
	if errs.Is(err, errs.ValidationError) {
		return errs.Wrap(errs.ValidationError, err, "You can not have two users with the same login!")
	}
	return err
}

// AddGroups adds groups (external ids) to a user, ending their sessions so
// that the new rights apply from the next login.
func (s *Service) AddGroups(ctx context.Context, uid int64, xmlids ...string) error {
	return s.changeGroups(ctx, uid, func(tx *store.Tx) error { return addGroups(ctx, tx, uid, xmlids) })
}

// RemoveGroups removes groups (external ids) from a user, ending their
// sessions and dropping their cached credentials.
func (s *Service) RemoveGroups(ctx context.Context, uid int64, xmlids ...string) error {
	return s.changeGroups(ctx, uid, func(tx *store.Tx) error {
		for _, x := range xmlids {
			gid, err := groupID(ctx, tx, x)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM res_groups_users_rel WHERE gid = ? AND uid = ?`, gid, uid); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) changeGroups(ctx context.Context, uid int64, fn func(*store.Tx) error) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return bumpCredentials(ctx, tx, uid)
	})
	s.afterCredentialChange(ctx, uid)
	return err
}

// SetCompanies sets the user's main company and allowed companies. Like a
// group change it ends the user's sessions and cached credentials: the
// companies decide which records the company rules let through.
func (s *Service) SetCompanies(ctx context.Context, uid, companyID int64, companyIDs []int64) error {
	if companyID <= 0 || !slices.Contains(companyIDs, companyID) {
		return errs.E(errs.ValidationError, "The user's company must be one of their allowed companies.")
	}
	return s.changeGroups(ctx, uid, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE res_users SET company_id = ? WHERE id = ?`, companyID, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM res_company_users_rel WHERE user_id = ?`, uid); err != nil {
			return err
		}
		for _, c := range companyIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO res_company_users_rel (cid, user_id) VALUES (?, ?)`, c, uid); err != nil {
				return err
			}
		}
		return nil
	})
}

// updateCredentials sets one credential column (set is a constant of this
// package) and bumps the credential version in the same transaction.
func (s *Service) updateCredentials(ctx context.Context, uid int64, set string, arg any) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE res_users SET `+set+`, credential_version = credential_version + 1, write_date = `+nowSQL(tx.Dialect())+` WHERE id = ?`, arg, uid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "No such user.")
		}
		return nil
	})
	s.afterCredentialChange(ctx, uid)
	return err
}

func bumpCredentials(ctx context.Context, tx *store.Tx, uid int64) error {
	res, err := tx.Exec(ctx, `UPDATE res_users SET credential_version = credential_version + 1, write_date = `+nowSQL(tx.Dialect())+` WHERE id = ?`, uid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "No such user.")
	}
	return nil
}

// afterCredentialChange drops what this instance caches about uid. It runs
// even when the write failed: dropping a valid entry only costs a lookup.
func (s *Service) afterCredentialChange(ctx context.Context, uid int64) {
	s.cache.dropUser(uid)
	s.resetPublic()
	s.inval.publish(ctx, msgUser(uid))
}

// Principal loads the principal of user uid (groups with implied ones,
// companies). It does not check that the user is active.
func (s *Service) Principal(ctx context.Context, uid int64) (*principal.Principal, error) {
	var p *principal.Principal
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM res_users WHERE id = ?`, uid))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "No such user.")
		}
		if err != nil {
			return err
		}
		p, err = loadPrincipal(ctx, tx, u)
		return err
	})
	return p, err
}

// loadPrincipal completes a principal for u with its groups (implied ones
// included, through the closure table) and companies.
func loadPrincipal(ctx context.Context, tx *store.Tx, u *userRow) (*principal.Principal, error) {
	p := &principal.Principal{UserID: u.id, Login: u.login, CompanyID: u.companyID, PartnerID: u.partnerID.Int64}
	rows, err := tx.Query(ctx, `SELECT id, xmlid FROM res_groups WHERE id IN (SELECT gid FROM res_groups_users_rel WHERE uid = ?)
		OR id IN (SELECT i.hid FROM res_groups_implied i JOIN res_groups_users_rel r ON r.gid = i.gid WHERE r.uid = ?) ORDER BY id`, u.id, u.id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var x string
		if err := rows.Scan(&id, &x); err != nil {
			rows.Close()
			return nil, err
		}
		p.GroupIDs = append(p.GroupIDs, id)
		p.GroupXMLIDs = append(p.GroupXMLIDs, x)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT cid FROM res_company_users_rel WHERE user_id = ? ORDER BY cid`, u.id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		p.CompanyIDs = append(p.CompanyIDs, c)
	}
	return p, closeRows(rows)
}

// Bootstrap seeds the base groups and the built-in users (__system__,
// admin and the public user) if they are missing. It is idempotent; the
// administrator gets no password here (see EnsureAdmin).
func (s *Service) Bootstrap(ctx context.Context) error {
	for _, g := range baseGroups {
		if _, err := s.EnsureGroup(ctx, g); err != nil {
			return err
		}
	}
	builtins := []NewUser{
		// Odoo's uid 1 (inactive superuser) and uid 2 (admin) keep their ids,
		// which some Odoo clients assume.
		{Login: SystemLogin, Name: "System", Groups: []string{GroupSystem}},
		{Login: AdminLogin, Name: "Administrator", Groups: []string{GroupUser, GroupSystem}},
		{Login: PublicLogin, Name: "Public user", Groups: []string{GroupPublic}},
	}
	for _, u := range builtins {
		if _, err := s.UserByLogin(ctx, u.Login); err == nil {
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		id, err := s.CreateUser(ctx, u)
		if err != nil {
			return err
		}
		// Like Odoo, the superuser and the public user are inactive: they
		// can never log in; auth=public uses the public user regardless.
		if u.Login != AdminLogin {
			if err := s.SetActive(ctx, id, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// EnsureAdmin sets the administrator's password (policy checked), ending
// its sessions. The CLI and `serve` call it; there is no default password.
func (s *Service) EnsureAdmin(ctx context.Context, password string) error {
	if password == "" {
		return errs.E(errs.ValidationError, "The administrator password cannot be empty.")
	}
	u, err := s.UserByLogin(ctx, AdminLogin)
	if err != nil {
		return err
	}
	return s.SetPassword(ctx, u.ID, password)
}

// publicPrincipal returns the public user's principal, cached for CacheTTL.
func (s *Service) publicPrincipal(ctx context.Context) (*principal.Principal, error) {
	s.publicMu.Lock()
	defer s.publicMu.Unlock()
	now := s.now()
	if s.public != nil && now.Sub(s.publicAt) < max(s.cfg.CacheTTL, time.Second) {
		return s.public, nil
	}
	var p *principal.Principal
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM res_users WHERE login = ?`, PublicLogin))
		if err != nil {
			return err
		}
		p, err = loadPrincipal(ctx, tx, u)
		return err
	})
	if err != nil {
		return nil, errs.Internalf("load public user: %w", err)
	}
	p.Public, p.Via = true, "public"
	s.public, s.publicAt = p, now
	return p, nil
}

func (s *Service) resetPublic() {
	s.publicMu.Lock()
	s.public = nil
	s.publicMu.Unlock()
}

// userPartner creates the contact of a new user given none, as Odoo's
// res.users does (every user has its partner: partner_id, and the
// partner's user_ids): named after the user, in the user's company (none
// while that company is not created yet, at bootstrap). The
// ORM owns res_partner; without it (identity on its own) there is none.
func userPartner(ctx context.Context, tx *store.Tx, u NewUser) (int64, error) {
	pg := tx.Dialect().Name() == "postgres"
	probe := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'res_partner'`
	now := `CURRENT_TIMESTAMP`
	if pg {
		probe = `SELECT count(*) FROM (SELECT to_regclass('res_partner') AS t) x WHERE t IS NOT NULL`
		now = `(now() at time zone 'utc')`
	}
	var n int64
	if err := tx.QueryRow(ctx, probe).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var email any
	if u.Email != "" {
		email = u.Email
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO res_partner (name, email, company_id, active, is_company, type, create_date, write_date) VALUES (?, ?, (SELECT c.id FROM res_company c WHERE c.id = ?), ?, ?, 'contact', `+now+`, `+now+`) RETURNING id`,
		u.Name, email, u.CompanyID, true, false).Scan(&id)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `UPDATE res_partner SET commercial_partner_id = id WHERE id = ?`, id)
	return id, err
}

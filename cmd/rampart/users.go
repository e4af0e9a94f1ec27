package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
)

// The users and keys commands. Passwords are read from stdin (with
// --password-stdin), never from an argument, and are never echoed or
// logged; a new key is printed alone on stdout so scripts can capture it.

func setupUsersCreate(fs *flag.FlagSet) func(context.Context, *call) error {
	login := fs.String("login", "", "`login` (required)")
	name := fs.String("name", "", "display `name` (default: the login)")
	email := fs.String("email", "", "`email`")
	var groups multiFlag
	fs.Var(&groups, "group", "group external `id` (repeatable; default base.group_user)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	return func(ctx context.Context, c *call) error {
		if *login == "" {
			return usageError{"users create: --login is required"}
		}
		nu := identity.NewUser{Login: *login, Name: *name, Email: *email, Groups: groups}
		if *pwStdin {
			pw, err := readPassword(c.env.stdin)
			if err != nil {
				return err
			}
			nu.Password = pw
		}
		id, err := c.app.Identity.CreateUser(ctx, nu)
		if err != nil {
			return cliErr(err)
		}
		if !*pwStdin {
			fmt.Fprintln(c.env.stderr, "note: no password set; password login is disabled until `rampart users passwd`")
		}
		fmt.Fprintf(c.env.stdout, "created user %d %s\n", id, *login)
		return nil
	}
}

func setupUsersList(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(ctx context.Context, c *call) error {
		users, err := c.app.Identity.ListUsers(ctx)
		if err != nil {
			return cliErr(err)
		}
		tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tACTIVE\tPASSWORD\tGROUPS")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%v\t%s\n", u.ID, u.Login, u.Name, u.Active, u.HasPassword, strings.Join(u.Groups, ","))
		}
		return tw.Flush()
	}
}

func setupUsersPasswd(fs *flag.FlagSet) func(context.Context, *call) error {
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (required)")
	return func(ctx context.Context, c *call) error {
		if !*pwStdin {
			return usageError{"users passwd: --password-stdin is required: passwords are never taken as arguments"}
		}
		u, err := c.app.Identity.UserByLogin(ctx, c.args[0])
		if err != nil {
			return cliErr(err)
		}
		pw, err := readPassword(c.env.stdin)
		if err != nil {
			return err
		}
		if err := c.app.Identity.SetPassword(ctx, u.ID, pw); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(c.env.stdout, "password changed for %s; their sessions have ended\n", u.Login)
		return nil
	}
}

func setupUsersActive(active bool) func(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(fs *flag.FlagSet) func(context.Context, *call) error {
		return func(ctx context.Context, c *call) error {
			// identity's audited path (user_disabled / user_enabled), as
			// the console and the admin API; no administrator: nil actor.
			if err := c.app.Identity.SetUserActive(ctx, nil, c.args[0], active, netip.Addr{}); err != nil {
				return cliErr(err)
			}
			verb := "disabled"
			if active {
				verb = "enabled"
			}
			fmt.Fprintf(c.env.stdout, "%s %s\n", verb, c.args[0])
			return nil
		}
	}
}

func setupUsersGroups(fs *flag.FlagSet) func(context.Context, *call) error {
	var add, remove multiFlag
	fs.Var(&add, "add", "group external `id` to add (repeatable)")
	fs.Var(&remove, "remove", "group external `id` to remove (repeatable)")
	return func(ctx context.Context, c *call) error {
		svc := c.app.Identity
		u, err := svc.UserByLogin(ctx, c.args[0])
		if err != nil {
			return cliErr(err)
		}
		if len(add) > 0 {
			if err := svc.AddGroups(ctx, u.ID, add...); err != nil {
				return cliErr(err)
			}
		}
		if len(remove) > 0 {
			if err := svc.RemoveGroups(ctx, u.ID, remove...); err != nil {
				return cliErr(err)
			}
		}
		p, err := svc.Principal(ctx, u.ID)
		if err != nil {
			return cliErr(err)
		}
		fmt.Fprintln(c.env.stdout, strings.Join(p.GroupXMLIDs, "\n"))
		return nil
	}
}

func setupKeysCreate(fs *flag.FlagSet) func(context.Context, *call) error {
	login := fs.String("user", "", "owner's `login` (required)")
	name := fs.String("name", "", "key `name` (required)")
	var scopes multiFlag
	fs.Var(&scopes, "scope", "`scope`: rpc, read, model:M[:op] (repeatable; default rpc)")
	expiresIn := fs.String("expires-in", "", "`lifetime`: 90d, 36h, 30m or never (administrators only); default the longest\nthe user's groups allow, at most 90 days")
	return func(ctx context.Context, c *call) error {
		svc := c.app.Identity
		if *login == "" || *name == "" {
			return usageError{"keys create: --user and --name are required"}
		}
		u, err := svc.UserByLogin(ctx, *login)
		if err != nil {
			return cliErr(err)
		}
		nk := identity.NewAPIKey{UserID: u.ID, Name: *name, Scopes: scopes}
		switch *expiresIn {
		case "never":
			nk.NoExpiry = true
		case "":
			if nk.ExpiresIn, err = svc.DefaultKeyLifetime(ctx, u.ID); err != nil {
				return cliErr(err)
			}
		default:
			if nk.ExpiresIn, err = parseLifetime(*expiresIn); err != nil {
				return usageError{err.Error()}
			}
		}
		secret, k, err := svc.CreateAPIKey(ctx, nk)
		if err != nil {
			return cliErr(err)
		}
		exp := "never"
		if k.ExpiresAt != nil {
			exp = k.ExpiresAt.Format(time.RFC3339)
		}
		// The key alone on stdout, so that scripts can capture it.
		fmt.Fprintf(c.env.stderr, "key %d for %s, scopes %s, expires %s; it is shown only now\n", k.ID, u.Login, strings.Join(k.Scopes, " "), exp)
		fmt.Fprintln(c.env.stdout, secret)
		return nil
	}
}

func setupKeysList(fs *flag.FlagSet) func(context.Context, *call) error {
	login := fs.String("user", "", "only this user's keys (`login`)")
	return func(ctx context.Context, c *call) error {
		svc := c.app.Identity
		uid := int64(0)
		if *login != "" {
			u, err := svc.UserByLogin(ctx, *login)
			if err != nil {
				return cliErr(err)
			}
			uid = u.ID
		}
		keys, err := svc.ListAPIKeys(ctx, uid)
		if err != nil {
			return cliErr(err)
		}
		tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tNAME\tKEY\tSCOPES\tCREATED\tEXPIRES\tSTATE\tLAST USED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Login, k.Name, k.Hint, strings.Join(k.Scopes, " "),
				k.CreatedAt.Format(time.RFC3339), fmtTime(k.ExpiresAt, "never"), svc.KeyState(k), lastUse(k))
		}
		return tw.Flush()
	}
}

func setupKeysRevoke(fs *flag.FlagSet) func(context.Context, *call) error {
	return func(ctx context.Context, c *call) error {
		id, err := strconv.ParseInt(c.args[0], 10, 64)
		if err != nil || id <= 0 {
			return usageError{"keys revoke: ID must be a key id (see `rampart keys list`)"}
		}
		if err := c.app.Identity.RevokeAPIKey(ctx, nil, id); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(c.env.stdout, "revoked key %d\n", id)
		return nil
	}
}

func fmtTime(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.RFC3339)
}

func lastUse(k identity.APIKey) string {
	if k.LastUsedAt == nil {
		return "never"
	}
	return k.LastUsedAt.Format(time.RFC3339) + " from " + k.LastUsedIP
}

// maxPasswordLen bounds what is read from stdin.
const maxPasswordLen = 4096

// readPassword reads the first line of in; the line ending is not part of
// the password.
func readPassword(in io.Reader) (string, error) {
	if in == nil {
		return "", errors.New("no standard input to read the password from")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(in, maxPasswordLen+2), maxPasswordLen+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("empty password on stdin")
	}
	return pw, nil
}

// cliErr shows the client-safe message of a service error; an internal
// error keeps its cause (the operator running the CLI owns the database).
func cliErr(err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind != errs.Internal {
		return errors.New(e.Message())
	}
	return err
}

// parseLifetime reads 90d, 36h, 45m (Go durations plus a day unit).
func parseLifetime(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n <= 0 || n > 36500 {
			return 0, fmt.Errorf("bad --expires-in %q", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad --expires-in %q: want e.g. 90d, 36h or never", s)
	}
	return d, nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

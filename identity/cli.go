package identity

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampart/rampart/errs"
)

// CLI runs the `rampart users` and `rampart keys` subcommands against a
// Service. cmd/rampart builds one with the process's standard streams.
// Passwords are read from In (with --password-stdin), never from an
// argument, and are never echoed or logged.
type CLI struct {
	Svc      *Service
	In       io.Reader
	Out, Err io.Writer
}

// UsersCommand runs `rampart users ...` (see CLI).
func UsersCommand(ctx context.Context, svc *Service, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return (&CLI{Svc: svc, In: stdin, Out: stdout, Err: stderr}).Users(ctx, args)
}

// KeysCommand runs `rampart keys ...` (see CLI).
func KeysCommand(ctx context.Context, svc *Service, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return (&CLI{Svc: svc, In: stdin, Out: stdout, Err: stderr}).Keys(ctx, args)
}

const usersUsage = `usage:
  rampart users create --login LOGIN [--name NAME] [--email EMAIL] [--group XMLID]... [--password-stdin]
  rampart users list
  rampart users passwd --password-stdin LOGIN
  rampart users disable LOGIN
  rampart users enable LOGIN
  rampart users groups LOGIN [--add XMLID]... [--remove XMLID]...`

const keysUsage = `usage:
  rampart keys create --user LOGIN --name NAME [--scope SCOPE]... [--expires-in DURATION]
      DURATION: 90d, 36h, 30m, or "never" (administrators only); default: the
      longest the user's groups allow (90 days for administrators)
  rampart keys list [--user LOGIN]
  rampart keys revoke ID`

// errUsage is returned, after printing the usage, for a bad command line.
var errUsage = errors.New("invalid command line")

// Users runs `rampart users ARGS`.
func (c *CLI) Users(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.Err, usersUsage)
		return errUsage
	}
	fs := c.flags("users " + args[0])
	switch args[0] {
	case "create":
		login := fs.String("login", "", "login")
		name := fs.String("name", "", "display name (default: the login)")
		email := fs.String("email", "", "email")
		var groups multiFlag
		fs.Var(&groups, "group", "group external id (repeatable; default base.group_user)")
		pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
		if _, err := c.parse(fs, args[1:], 0, usersUsage); err != nil {
			return err
		}
		if *login == "" {
			return c.usage("--login is required", usersUsage)
		}
		nu := NewUser{Login: *login, Name: *name, Email: *email, Groups: groups}
		if *pwStdin {
			pw, err := c.readPassword()
			if err != nil {
				return err
			}
			nu.Password = pw
		}
		id, err := c.Svc.CreateUser(ctx, nu)
		if err != nil {
			return cliErr(err)
		}
		if !*pwStdin {
			fmt.Fprintln(c.Err, "note: no password set; password login is disabled until `rampart users passwd`")
		}
		fmt.Fprintf(c.Out, "created user %d %s\n", id, *login)
		return nil
	case "list":
		if _, err := c.parse(fs, args[1:], 0, usersUsage); err != nil {
			return err
		}
		users, err := c.Svc.ListUsers(ctx)
		if err != nil {
			return cliErr(err)
		}
		tw := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tACTIVE\tPASSWORD\tGROUPS")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%v\t%s\n", u.ID, u.Login, u.Name, u.Active, u.HasPassword, strings.Join(u.Groups, ","))
		}
		return tw.Flush()
	case "passwd":
		pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (required)")
		rest, err := c.parse(fs, args[1:], 1, usersUsage)
		if err != nil {
			return err
		}
		if !*pwStdin {
			return c.usage("--password-stdin is required: passwords are never taken as arguments", usersUsage)
		}
		u, err := c.Svc.UserByLogin(ctx, rest[0])
		if err != nil {
			return cliErr(err)
		}
		pw, err := c.readPassword()
		if err != nil {
			return err
		}
		if err := c.Svc.SetPassword(ctx, u.ID, pw); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(c.Out, "password changed for %s; their sessions have ended\n", u.Login)
		return nil
	case "disable", "enable":
		rest, err := c.parse(fs, args[1:], 1, usersUsage)
		if err != nil {
			return err
		}
		u, err := c.Svc.UserByLogin(ctx, rest[0])
		if err != nil {
			return cliErr(err)
		}
		if err := c.Svc.SetActive(ctx, u.ID, args[0] == "enable"); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(c.Out, "%sd %s\n", args[0], u.Login)
		return nil
	case "groups":
		var add, remove multiFlag
		fs.Var(&add, "add", "group to add (repeatable)")
		fs.Var(&remove, "remove", "group to remove (repeatable)")
		rest, err := c.parse(fs, args[1:], 1, usersUsage)
		if err != nil {
			return err
		}
		u, err := c.Svc.UserByLogin(ctx, rest[0])
		if err != nil {
			return cliErr(err)
		}
		if len(add) > 0 {
			if err := c.Svc.AddGroups(ctx, u.ID, add...); err != nil {
				return cliErr(err)
			}
		}
		if len(remove) > 0 {
			if err := c.Svc.RemoveGroups(ctx, u.ID, remove...); err != nil {
				return cliErr(err)
			}
		}
		p, err := c.Svc.Principal(ctx, u.ID)
		if err != nil {
			return cliErr(err)
		}
		fmt.Fprintln(c.Out, strings.Join(p.GroupXMLIDs, "\n"))
		return nil
	}
	return c.usage("unknown command "+strconv.Quote(args[0]), usersUsage)
}

// Keys runs `rampart keys ARGS`.
func (c *CLI) Keys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.Err, keysUsage)
		return errUsage
	}
	fs := c.flags("keys " + args[0])
	switch args[0] {
	case "create":
		login := fs.String("user", "", "owner's login")
		name := fs.String("name", "", "key name")
		var scopes multiFlag
		fs.Var(&scopes, "scope", "scope (repeatable; default rpc)")
		expiresIn := fs.String("expires-in", "", "lifetime: 90d, 36h, never")
		if _, err := c.parse(fs, args[1:], 0, keysUsage); err != nil {
			return err
		}
		if *login == "" || *name == "" {
			return c.usage("--user and --name are required", keysUsage)
		}
		u, err := c.Svc.UserByLogin(ctx, *login)
		if err != nil {
			return cliErr(err)
		}
		nk := NewAPIKey{UserID: u.ID, Name: *name, Scopes: scopes}
		switch *expiresIn {
		case "never":
			nk.NoExpiry = true
		case "":
			p, err := c.Svc.Principal(ctx, u.ID)
			if err != nil {
				return cliErr(err)
			}
			maxDays, err := c.Svc.maxKeyDays(ctx, p)
			if err != nil {
				return cliErr(err)
			}
			nk.ExpiresIn = time.Duration(min(maxDays, 90) * float64(24*time.Hour))
		default:
			if nk.ExpiresIn, err = parseLifetime(*expiresIn); err != nil {
				return c.usage(err.Error(), keysUsage)
			}
		}
		secret, k, err := c.Svc.CreateAPIKey(ctx, nk)
		if err != nil {
			return cliErr(err)
		}
		exp := "never"
		if k.ExpiresAt != nil {
			exp = k.ExpiresAt.Format(time.RFC3339)
		}
		// The key alone on stdout, so that scripts can capture it.
		fmt.Fprintf(c.Err, "key %d for %s, scopes %s, expires %s; it is shown only now\n", k.ID, u.Login, strings.Join(k.Scopes, " "), exp)
		fmt.Fprintln(c.Out, secret)
		return nil
	case "list":
		login := fs.String("user", "", "only this user's keys")
		if _, err := c.parse(fs, args[1:], 0, keysUsage); err != nil {
			return err
		}
		uid := int64(0)
		if *login != "" {
			u, err := c.Svc.UserByLogin(ctx, *login)
			if err != nil {
				return cliErr(err)
			}
			uid = u.ID
		}
		keys, err := c.Svc.ListAPIKeys(ctx, uid)
		if err != nil {
			return cliErr(err)
		}
		tw := tabwriter.NewWriter(c.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tNAME\tKEY\tSCOPES\tCREATED\tEXPIRES\tSTATE\tLAST USED")
		now := c.Svc.now()
		for _, k := range keys {
			state := "active"
			switch {
			case k.RevokedAt != nil:
				state = "revoked"
			case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
				state = "expired"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Login, k.Name, k.Hint, strings.Join(k.Scopes, " "),
				k.CreatedAt.Format(time.RFC3339), fmtTime(k.ExpiresAt, "never"), state, lastUse(k))
		}
		return tw.Flush()
	case "revoke":
		rest, err := c.parse(fs, args[1:], 1, keysUsage)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || id <= 0 {
			return c.usage("ID must be a key id (see `rampart keys list`)", keysUsage)
		}
		if err := c.Svc.RevokeAPIKey(ctx, nil, id); err != nil {
			return cliErr(err)
		}
		fmt.Fprintf(c.Out, "revoked key %d\n", id)
		return nil
	}
	return c.usage("unknown command "+strconv.Quote(args[0]), keysUsage)
}

func fmtTime(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.RFC3339)
}

func lastUse(k APIKey) string {
	if k.LastUsedAt == nil {
		return "never"
	}
	return k.LastUsedAt.Format(time.RFC3339) + " from " + k.LastUsedIP
}

func (c *CLI) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.Err)
	return fs
}

// parse parses flags that may come before and after the positional
// arguments, and requires exactly want of them.
func (c *CLI) parse(fs *flag.FlagSet, args []string, want int, usage string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			fmt.Fprintln(c.Err, usage)
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != want {
		return nil, c.usage(fmt.Sprintf("expected %d argument(s), got %d", want, len(pos)), usage)
	}
	return pos, nil
}

func (c *CLI) usage(msg, usage string) error {
	fmt.Fprintln(c.Err, "error: "+msg)
	fmt.Fprintln(c.Err, usage)
	return errUsage
}

// readPassword reads the first line of In; the line ending is not part of
// the password.
func (c *CLI) readPassword() (string, error) {
	if c.In == nil {
		return "", errors.New("no standard input to read the password from")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(c.In, maxPasswordLen+2), maxPasswordLen+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("empty password on stdin")
	}
	return pw, nil
}

// cliErr shows the client-safe message of an identity error (the internal
// cause of an Internal error is kept for %+v-free logging by the caller).
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

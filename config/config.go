// Package config is rampart's configuration: one struct, read from a YAML
// file, then RAMPART_* environment variables, then command-line flags, each
// overriding the one before. It is strict: an unknown key, an unknown
// RAMPART_ variable or a bad value stops start-up with a message naming it,
// because a misspelt security setting silently ignored is a security bug.
package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/metrics"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/tlsutil"
)

// Config is the whole server configuration.
type Config struct {
	// Data is the data directory: the SQLite file, ACME and self-signed
	// certificate caches.
	Data string `yaml:"data"`
	// DB is the database URL: empty or sqlite:PATH for SQLite inside Data,
	// postgres://... for PostgreSQL.
	DB string `yaml:"db"`
	// DBName is the database name Odoo clients must use (default "rampart").
	DBName string `yaml:"db_name"`
	// Demo loads the demo app with its demo users and data.
	Demo bool `yaml:"demo"`
	// Apps are app directories (YAML models, security files) to load.
	Apps      []string         `yaml:"apps"`
	Log       LogConfig        `yaml:"log"`
	HTTP      httpd.Config     `yaml:"http"`
	TLS       tlsutil.Config   `yaml:"tls"`
	CSRF      httpd.CSRFConfig `yaml:"csrf"`
	Identity  identity.Config  `yaml:"identity"`
	RateLimit ratelimit.Config `yaml:"rate_limit"`
	Metrics   metrics.Config   `yaml:"metrics"`
	ORM       ORMConfig        `yaml:"orm"`
	RPC       RPCConfig        `yaml:"rpc"`
	Audit     AuditConfig      `yaml:"audit"`
}

// AuditConfig configures the audit trail (docs/operations.md).
type AuditConfig struct {
	// SigningKey is the checkpoint signing key's file (default
	// DATA/audit-signing.key, created 0600 when missing).
	SigningKey string `yaml:"signing_key"`
	// Retention, when set, archives entries older than it into
	// ArchiveDir (hourly while serving; `rampart audit archive` on
	// demand); 0 keeps every entry in the database.
	Retention time.Duration `yaml:"retention"`
	// ArchiveDir receives the archive files (default DATA/audit-archive).
	ArchiveDir string `yaml:"archive_dir"`
	// DenyWindow is how long identical denials are aggregated into one
	// entry with a count (default 10s; negative: never).
	DenyWindow time.Duration `yaml:"deny_window"`
}

// RPCConfig tunes the Odoo-compatible endpoints.
type RPCConfig struct {
	// ListDB answers db.list and /web/database/list (Odoo's list_db).
	ListDB bool `yaml:"list_db"`
	// MaxBody bounds the body of XML-RPC, /jsonrpc and
	// /web/session/authenticate calls (default 1 MiB): their credentials
	// travel inside the body, so it is read before anyone is
	// authenticated. Larger is 413 in the protocol's error shape.
	MaxBody int64 `yaml:"max_body"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Format string `yaml:"format"` // json or text
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// ORMConfig bounds what one request may ask of the ORM.
type ORMConfig struct {
	// MaxRows and MaxResponseBytes are the budget of one answer: a
	// search without a limit returns every match up to it and is refused
	// beyond it (never cut short).
	MaxRows          int   `yaml:"max_rows"`
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
	// StreamAbove is how much of an answer is held in memory: a larger
	// one is measured against the budget first, then written while it
	// is read a batch at a time.
	StreamAbove int64 `yaml:"stream_above"`
	// MaxLimit is the removed orm.max_limit (it silently cut answers); a
	// configuration still setting it is refused with a pointer to
	// max_rows.
	MaxLimit int `yaml:"max_limit"`
	// SlowQuery is the slow-query log's threshold: a statement the ORM
	// runs for longer is logged (SQL without values, model, method, the
	// record rules applied, rows, time) and counted in metrics. 0 means
	// 100ms; a negative value turns the log off.
	SlowQuery time.Duration `yaml:"slow_query"`
	// MaxCommands caps the x2many commands of one request, nested ones
	// included (default 1,000; more is a 422).
	MaxCommands int `yaml:"max_commands"`
	// WriteBudget bounds a write transaction (default 5s): past it the
	// transaction is rolled back and the request answered 503 with
	// Retry-After, so that no caller holds the writer for long.
	WriteBudget time.Duration `yaml:"write_budget"`
}

// Default is the configuration before any file, variable or flag.
func Default() Config {
	c := Config{DBName: "rampart", Log: LogConfig{Format: "text", Level: "info"},
		ORM: ORMConfig{MaxRows: 200_000, MaxResponseBytes: 64 << 20, StreamAbove: 256 << 10}, RPC: RPCConfig{MaxBody: 1 << 20}}
	c.Defaults()
	// Derived from http.addr by Validate, once the file, the environment
	// and the flags have said where the server listens.
	c.Metrics.Addr = ""
	return c
}

// Defaults fills the zero values of every section. Load calls it again
// after the file and the environment, so a section that was only partly
// given still gets its defaults.
func (c *Config) Defaults() {
	c.HTTP.Defaults()
	c.TLS.Defaults()
	c.Identity = c.Identity.Defaults()
	c.RateLimit.SetDefaults()
	c.Metrics.SetDefaults()
}

// The default data directories: DefaultDemoData in demo mode.
const (
	DefaultData     = "rampart-data"
	DefaultDemoData = "rampart-demo"
)

// metricsPortOffset derives the metrics port from the main one: 8069 gives
// 9464 (Prometheus exporters' customary range), and a second instance on
// 8070 gets 9465 instead of clashing with the first.
const metricsPortOffset = 9464 - 8069

// metricsAddr is the default metrics listener: loopback, on the main port
// plus metricsPortOffset (port 0, an ephemeral main port, stays 0).
func metricsAddr(httpAddr string) (string, error) {
	if httpAddr == "" {
		httpAddr = "127.0.0.1:8069"
	}
	_, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return "", fmt.Errorf("http.addr %q: %w", httpAddr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("http.addr %q: bad port", httpAddr)
	}
	if p != 0 {
		p += metricsPortOffset
	}
	if p > 65535 {
		return "", fmt.Errorf("metrics.addr: the default (http.addr's port + %d) is beyond 65535; set metrics.addr or metrics.disabled", metricsPortOffset)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

// Validate checks every value, naming the key of the first bad one.
func (c *Config) Validate() error {
	var problems []error
	if c.Data == "" {
		// Demo data lives apart from real data, so that a demo's well-known
		// passwords never end up in the directory a real server uses.
		c.Data = DefaultData
		if c.Demo {
			c.Data = DefaultDemoData
		}
	}
	if c.Metrics.Addr == "" && !c.Metrics.Disabled {
		addr, err := metricsAddr(c.HTTP.Addr)
		if err != nil {
			problems = append(problems, err)
		}
		c.Metrics.Addr = addr
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		problems = append(problems, errors.New("db: want sqlite:PATH or postgres://..."))
	}
	if c.DBName == "" || strings.ContainsAny(c.DBName, " /\\") {
		problems = append(problems, fmt.Errorf("db_name %q: must be a plain name", c.DBName))
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		problems = append(problems, fmt.Errorf("log.format %q: want json or text", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level))
	}
	if c.ORM.MaxLimit != 0 {
		problems = append(problems, errors.New("orm.max_limit: removed (it silently cut answers); set orm.max_rows and orm.max_response_bytes, the budget past which an answer is refused"))
	}
	if c.RPC.MaxBody <= 0 {
		problems = append(problems, errors.New("rpc.max_body: must be positive"))
	}
	if c.ORM.MaxRows <= 0 {
		problems = append(problems, errors.New("orm.max_rows: must be positive"))
	}
	if c.ORM.MaxResponseBytes <= 0 {
		problems = append(problems, errors.New("orm.max_response_bytes: must be positive"))
	}
	if c.ORM.StreamAbove <= 0 {
		problems = append(problems, errors.New("orm.stream_above: must be positive"))
	}
	if c.ORM.MaxCommands < 0 || c.ORM.WriteBudget < 0 {
		problems = append(problems, errors.New("orm.max_commands, orm.write_budget: must not be negative (0: the default)"))
	}
	if c.Audit.Retention < 0 || (c.Audit.Retention > 0 && c.Audit.Retention < time.Hour) {
		problems = append(problems, errors.New("audit.retention: at least 1h (0: keep every entry)"))
	}
	c.Defaults()
	if err := c.HTTP.Validate(); err != nil {
		problems = append(problems, err)
	}
	if err := c.TLS.Validate(tlsutil.Deployment{Addr: c.HTTP.Addr, TrustedProxies: c.HTTP.TrustedProxies, Production: !c.HTTP.Dev}); err != nil {
		problems = append(problems, err)
	}
	if err := c.Identity.Validate(); err != nil {
		problems = append(problems, err)
	}
	if err := c.RateLimit.Validate(); err != nil {
		problems = append(problems, err)
	}
	if err := c.Metrics.Validate(); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

// LoadFile merges a YAML file into c. Unknown keys are errors.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	return c.LoadYAML(bytes.NewReader(b), path)
}

// LoadYAML merges YAML from r (name is used in messages).
func (c *Config) LoadYAML(r io.Reader, name string) error {
	src, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("config file %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %s", name, nameKeys(src, err))
	}
	return nil
}

// nameKeys rewrites yaml's "line N: ..." messages to also name the key at
// that line (http.read_timeout), which is what a reader looks for.
func nameKeys(src []byte, err error) string {
	var root yaml.Node
	if yaml.Unmarshal(src, &root) != nil {
		return err.Error()
	}
	keys := map[int]string{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				keys[n.Content[i].Line] = p
				walk(n.Content[i+1], p)
			}
		}
	}
	walk(&root, "")
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		var n int
		if _, e := fmt.Sscanf(t, "line %d:", &n); e == nil {
			if k, ok := keys[n]; ok {
				lines[i] = l + " (key " + k + ")"
			}
		}
	}
	return strings.Join(lines, "\n")
}

// LoadEnv applies RAMPART_* variables: RAMPART_HTTP_ADDR sets http.addr.
// Lists are comma-separated. RAMPART_TEST_* belongs to the test suite and
// is ignored; any other unknown RAMPART_ variable is an error.
func (c *Config) LoadEnv(environ []string) error {
	fields := map[string]reflect.Value{}
	collect(reflect.ValueOf(c).Elem(), "RAMPART", fields)
	var problems []error
	sort.Strings(environ)
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "RAMPART_") || strings.HasPrefix(k, "RAMPART_TEST_") {
			continue
		}
		f, ok := fields[k]
		if !ok {
			problems = append(problems, fmt.Errorf("environment: unknown variable %s", k))
			continue
		}
		if err := setString(f, v); err != nil {
			problems = append(problems, fmt.Errorf("environment %s: %w", k, err))
		}
	}
	return errors.Join(problems...)
}

// collect maps env names to settable fields, by yaml tag path.
func collect(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if tag == "-" || !sf.IsExported() {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(sf.Name)
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && !isScalar(fv) {
			collect(fv, name, out)
			continue
		}
		if fv.Kind() == reflect.Map {
			continue
		}
		out[name] = fv
	}
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func isScalar(v reflect.Value) bool {
	return v.Type() == reflect.TypeFor[time.Time]() || reflect.PointerTo(v.Type()).Implements(textUnmarshaler)
}

func setString(f reflect.Value, s string) error {
	if f.CanAddr() && f.Addr().Type().Implements(textUnmarshaler) {
		return f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	}
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("bad duration %q", s)
		}
		f.SetInt(int64(d))
		return nil
	case []netip.Prefix:
		var ps []netip.Prefix
		for _, p := range splitList(s) {
			pp, err := parsePrefix(p)
			if err != nil {
				return err
			}
			ps = append(ps, pp)
		}
		f.Set(reflect.ValueOf(ps))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("bad boolean %q", s)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("bad integer %q", s)
		}
		f.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("bad number %q", s)
		}
		f.SetFloat(n)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("cannot be set from the environment")
		}
		f.Set(reflect.ValueOf(splitList(s)))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// parsePrefix accepts a CIDR prefix or a bare address (a /32 or /128).
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad address or prefix %q", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

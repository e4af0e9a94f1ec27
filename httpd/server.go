// Package httpd is rampart's HTTP layer: the route table, the request
// pipeline (request id, panic recovery, access log, security headers,
// client IP, CORS, body limits, rate limits, authentication, CSRF, strict
// decoding), dispatch per route type (http, jsonrpc, json2), the one error
// writer per type, and the server's lifecycle (timeouts, graceful shutdown).
//
// Authentication, rate limiting, CSRF tokens, metrics and the data
// environment plug in through the small interfaces in route.go; httpd knows
// nothing of how they work.
package httpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
)

// Config is the HTTP server's configuration.
type Config struct {
	Addr              string        `yaml:"addr"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	// DrainDelay is how long readiness fails before shutdown starts, so a
	// load balancer stops sending requests first (default 0).
	DrainDelay     time.Duration  `yaml:"drain_delay"`
	MaxHeaderBytes int            `yaml:"max_header_bytes"`
	MaxBody        int64          `yaml:"max_body"`
	MaxJSONDepth   int            `yaml:"max_json_depth"`
	TrustedProxies []netip.Prefix `yaml:"trusted_proxies"`
	// Dev fills the "debug" member of error bodies with the internal cause.
	// Never in production.
	Dev bool `yaml:"dev"`
	// LoginPath is where auth=user http routes send anonymous browsers.
	LoginPath string `yaml:"login_path"`
	// CSRF configures the tokens of http routes.
	CSRF CSRFConfig `yaml:"csrf"`
	// RefusalLogInterval is how often rate-limit refusals are summarised
	// in the log, one line per client (default 10s; refusallog.go).
	RefusalLogInterval time.Duration `yaml:"refusal_log_interval"`
}

// Defaults fills zero fields with production defaults.
func (c *Config) Defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8069"
	}
	def(&c.ReadHeaderTimeout, 10*time.Second)
	def(&c.ReadTimeout, 60*time.Second)
	def(&c.WriteTimeout, 60*time.Second)
	def(&c.IdleTimeout, 120*time.Second)
	def(&c.ShutdownTimeout, 15*time.Second)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.MaxBody == 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxJSONDepth == 0 {
		c.MaxJSONDepth = 64
	}
	if c.LoginPath == "" {
		c.LoginPath = "/web/login"
	}
	c.CSRF.Defaults()
}

// Validate reports the first invalid setting by name.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("http.addr %q: want HOST:PORT", c.Addr)
	}
	for name, d := range map[string]time.Duration{"read_header_timeout": c.ReadHeaderTimeout, "read_timeout": c.ReadTimeout,
		"write_timeout": c.WriteTimeout, "idle_timeout": c.IdleTimeout, "shutdown_timeout": c.ShutdownTimeout, "drain_delay": c.DrainDelay} {
		if d < 0 {
			return fmt.Errorf("http.%s must not be negative", name)
		}
	}
	if c.MaxHeaderBytes < 1024 {
		return fmt.Errorf("http.max_header_bytes must be at least 1024")
	}
	if c.MaxBody < 0 {
		return fmt.Errorf("http.max_body must not be negative")
	}
	if !strings.HasPrefix(c.LoginPath, "/") {
		return fmt.Errorf("http.login_path must be a local path")
	}
	return c.CSRF.Validate()
}

// Server is the route table plus the pipeline hooks. Set the hooks before
// calling Handler; register routes before calling Handler.
type Server struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	Auth     Authenticator
	Limiter  Limiter
	CSRF     CSRFChecker
	Envs     EnvFactory
	Observer Observer
	// Middleware wraps the whole handler (outermost first), e.g. CORS or
	// TLS-policy layers added by other packages.
	Middleware []func(http.Handler) http.Handler

	mu       sync.Mutex
	jsonBufs sync.Pool  // *[]byte response buffers (writeJSON)
	refusals refusalLog // rate-limit refusal summaries (refusallog.go)
	routes   []*Route
	byPath   map[string]*pathRoutes
	handler  http.Handler
}

// pathRoutes are the routes that share one mux pattern, by method.
type pathRoutes struct {
	pattern string
	methods map[string]*Route
	allow   string
}

// New makes a server. cfg must have been defaulted and validated.
func New(cfg Config, log *slog.Logger) *Server {
	return &Server{cfg: cfg, log: log, now: time.Now, byPath: map[string]*pathRoutes{}}
}

// Config is the server's configuration.
func (s *Server) Config() Config { return s.cfg }

// Routes lists the registered routes, sorted by path.
func (s *Server) Routes() []*Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]*Route(nil), s.routes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].FullPath() < out[j].FullPath() })
	return out
}

// Register validates routes, fills their defaults and adds them. Every
// problem is returned: a bad route must stop start-up, not surface later.
func (s *Server) Register(routes ...*Route) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handler != nil {
		return errors.New("httpd: Register after Handler")
	}
	var problems []error
	for _, r := range routes {
		if err := r.normalize(); err != nil {
			problems = append(problems, err)
			continue
		}
		full := r.FullPath()
		pr := s.byPath[full]
		if pr == nil {
			pr = &pathRoutes{pattern: full, methods: map[string]*Route{}}
			s.byPath[full] = pr
		}
		conflict := false
		for _, m := range r.Methods {
			if other, ok := pr.methods[m]; ok {
				problems = append(problems, fmt.Errorf("route %s: %s %s is already served by route %s", r.Name, m, full, other.Name))
				conflict = true
			}
		}
		if conflict {
			continue
		}
		for _, m := range r.Methods {
			pr.methods[m] = r
		}
		s.routes = append(s.routes, r)
	}
	return errors.Join(problems...)
}

// Handler builds the mux once and returns the full pipeline. Conflicting
// patterns (e.g. /a/{x} and /a/{y}) are reported, not panicked on.
func (s *Server) Handler() (http.Handler, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handler != nil {
		return s.handler, nil
	}
	mux := http.NewServeMux()
	paths := make([]string, 0, len(s.byPath))
	for p := range s.byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		pr := s.byPath[p]
		var ms []string
		for m := range pr.methods {
			ms = append(ms, m)
		}
		sort.Strings(ms)
		pr.allow = strings.Join(ms, ", ")
		if err := safeHandle(mux, p, s.dispatch(pr)); err != nil {
			return nil, fmt.Errorf("route %s: %w", p, err)
		}
	}
	if _, ok := s.byPath["/"]; !ok {
		mux.Handle("/", http.HandlerFunc(s.notFound))
	}
	var h http.Handler = mux
	for i := len(s.Middleware) - 1; i >= 0; i-- {
		h = s.Middleware[i](h)
	}
	h = s.base(h)
	s.handler = h
	return h, nil
}

func safeHandle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// HTTPServer makes the net/http server with rampart's timeouts and limits.
func (s *Server) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve serves on ln until ctx ends, then shuts down gracefully: the
// listener closes at once, in-flight requests get ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, hs *http.Server) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	rctx, stopRefusals := context.WithCancel(context.Background())
	refusalsDone := make(chan struct{})
	go func() { s.runRefusalLog(rctx); close(refusalsDone) }()
	defer func() { stopRefusals(); <-refusalsDone }() // the last summaries are written before Serve returns
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown grace period over; closing remaining connections")
		hs.Close()
	}
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	return err
}

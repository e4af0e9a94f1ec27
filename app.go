// Package rampart is the framework API that programs embedding rampart
// import: an App that wires storage, identity, the ORM with its access
// control, rate limiting, metrics and the Odoo-compatible endpoints into
// one HTTP server, and the route types to declare endpoints with.
//
//	app, err := rampart.New(ctx, cfg, logger)
//	app.Handle(&rampart.Route{Path: "/api/hello", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer,
//		Handler: func(r *rampart.Request) (any, error) { return "hello", nil }})
//	err = app.Run(ctx)
package rampart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/store"
)

// Route-declaration types, re-exported so embedding programs need only
// this package.
type (
	Route   = httpd.Route
	Request = httpd.Request
	Handler = httpd.Handler
	CORS    = httpd.CORS
)

// Route types and auth modes.
const (
	TypeHTTP    = httpd.TypeHTTP
	TypeJSONRPC = httpd.TypeJSONRPC
	TypeJSON2   = httpd.TypeJSON2
	AuthNone    = httpd.AuthNone
	AuthPublic  = httpd.AuthPublic
	AuthUser    = httpd.AuthUser
	AuthBearer  = httpd.AuthBearer
)

// App is a wired rampart server.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *store.DB
	HTTP   *httpd.Server
}

// NewLogger builds the structured logger the config asks for.
func NewLogger(c config.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// New opens the database, applies migrations, loads the apps and wires the
// pipeline. cfg must be validated. Close the App when done.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, cfg.DB, cfg.Data, store.Options{})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db, HTTP: httpd.New(cfg.HTTP, log)}
	if err := a.wire(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// wire connects the components and registers the built-in routes.
func (a *App) wire(ctx context.Context) error {
	return a.HTTP.Register(a.healthRoute())
}

// Handle registers application routes. Call before Handler or Run.
func (a *App) Handle(routes ...*Route) error { return a.HTTP.Register(routes...) }

// Handler is the complete HTTP handler (for tests and embedding).
func (a *App) Handler() (http.Handler, error) { return a.HTTP.Handler() }

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Run serves until ctx is cancelled, then shuts down gracefully and closes
// the database.
func (a *App) Run(ctx context.Context) error {
	h, err := a.Handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.HTTP.Addr, err)
	}
	a.Log.Info("rampart listening", "addr", ln.Addr().String(), "db", a.DB.String())
	err = a.HTTP.Serve(ctx, ln, a.HTTP.HTTPServer(h))
	return errors.Join(err, a.Close())
}

// healthRoute is Odoo's /web/health: auth none; with db_server_status=1 it
// also checks the database and answers 500 when it is down.
func (a *App) healthRoute() *Route {
	return &Route{
		Name: "health", Path: "/web/health", Type: TypeHTTP, Auth: AuthNone,
		Handler: func(r *Request) (any, error) {
			if r.HTTP.URL.Query().Get("db_server_status") == "" {
				return map[string]any{"status": "pass"}, nil
			}
			ctx, cancel := context.WithTimeout(r.HTTP.Context(), 2*time.Second)
			defer cancel()
			if err := a.DB.Ping(ctx); err != nil {
				a.Log.Error("health: database down", "request_id", r.ID, "err", err)
				r.W.Header().Set("Content-Type", "application/json; charset=utf-8")
				r.W.WriteHeader(http.StatusInternalServerError)
				io.WriteString(r.W, `{"status":"fail","db_server_status":false}`)
				return httpd.Written, nil
			}
			return map[string]any{"status": "pass", "db_server_status": true}, nil
		},
	}
}

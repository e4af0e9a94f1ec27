// Package baseline is the floor rampart's W1 benchmark is compared with:
// bare net/http, the same database, a map lookup of the bearer token and
// one indexed query. No sessions, rules, rate limits, audit or logging: the
// least any server must do to answer the W1 request. bench/w1 runs it in
// its own process beside rampart.
//
// On SQLite it reads the file through database/sql (8 read-only
// connections); on PostgreSQL through a pgx pool of 20 connections, with
// pgx's statement cache: one round trip per request.
package baseline

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

// w1Query is W1's query, written by hand.
const w1Query = `SELECT id, name, state, amount_total FROM sale_order WHERE user_id = $1 AND state = $2 ORDER BY id LIMIT $3`

// querier is the one call the handler makes: database/sql or pgx.
type querier func(ctx context.Context, uid int64, limit int, row func(scan func(...any) error) error) error

// Handler opens the SQLite database read-only and serves W1's request shape.
func Handler(dbPath, tokensPath string) (http.Handler, error) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	q := strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(w1Query, "$1", "?"), "$2", "?"), "$3", "?")
	return handler(tokensPath, func(ctx context.Context, uid int64, limit int, row func(func(...any) error) error) error {
		rows, err := db.QueryContext(ctx, q, uid, "sale", limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		return each(rows, row)
	})
}

// PostgresHandler serves W1's request shape from PostgreSQL at url
// through a pgx pool of 20 connections.
func PostgresHandler(ctx context.Context, url, tokensPath string) (http.Handler, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return handler(tokensPath, func(ctx context.Context, uid int64, limit int, row func(func(...any) error) error) error {
		rows, err := pool.Query(ctx, w1Query, uid, "sale", limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		return each(rows, row)
	})
}

// each calls row for every row of rows (database/sql's or pgx's).
func each(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, row func(func(...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func handler(tokensPath string, query querier) (http.Handler, error) {
	b, err := os.ReadFile(tokensPath)
	if err != nil {
		return nil, err
	}
	users := map[string]int64{}
	if err := json.Unmarshal(b, &users); err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uid, ok := users[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var in struct {
			Domain [][]any `json:"domain"`
			Limit  int     `json:"limit"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		out := make([]map[string]any, 0, in.Limit)
		err := query(r.Context(), uid, in.Limit, func(scan func(...any) error) error {
			var id int64
			var name, state string
			var total float64
			if err := scan(&id, &name, &state, &total); err != nil {
				return err
			}
			out = append(out, map[string]any{"id": id, "name": name, "state": state, "amount_total": total})
			return nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(out)
	}), nil
}

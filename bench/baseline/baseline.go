// Package baseline is the floor rampart's W1 benchmark is compared with:
// bare net/http, the same SQLite file, a map lookup of the bearer token and
// one indexed query. No sessions, rules, rate limits, audit or logging: the
// least any server must do to answer the W1 request. bench/w1 runs it in
// its own process beside rampart.
package baseline

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"strings"

	_ "modernc.org/sqlite"
)

// Handler opens the database read-only and serves W1's request shape.
func Handler(dbPath, tokensPath string) (http.Handler, error) {
	b, err := os.ReadFile(tokensPath)
	if err != nil {
		return nil, err
	}
	users := map[string]int64{}
	if err := json.Unmarshal(b, &users); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
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
		rows, err := db.QueryContext(r.Context(),
			`SELECT id, name, state, amount_total FROM sale_order WHERE user_id = ? AND state = ? ORDER BY id LIMIT ?`, uid, "sale", in.Limit)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		out := make([]map[string]any, 0, in.Limit)
		for rows.Next() {
			var id int64
			var name, state string
			var total float64
			if err := rows.Scan(&id, &name, &state, &total); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			out = append(out, map[string]any{"id": id, "name": name, "state": state, "amount_total": total})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(out)
	}), nil
}

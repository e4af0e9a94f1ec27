package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

type sqliteDialect struct{}

func (sqliteDialect) Name() string               { return "sqlite" }
func (sqliteDialect) Placeholder(n int) string   { return "?" }
func (sqliteDialect) QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Connections run with case_sensitive_like on, so LIKE means what it means
// in PostgreSQL; ILike lower-cases both sides.
func (sqliteDialect) ILike(e, p string) string {
	return "lower(" + e + ") LIKE lower(" + p + ") ESCAPE '\\'"
}
func (sqliteDialect) Like(e, p string) string  { return e + " LIKE " + p + " ESCAPE '\\'" }
func (sqliteDialect) CastText(e string) string { return "CAST(" + e + " AS TEXT)" }
func (sqliteDialect) AutoID() string           { return "INTEGER PRIMARY KEY AUTOINCREMENT" }
func (sqliteDialect) ColumnType(t ColType) string {
	switch t {
	case TInteger, TBool:
		return "INTEGER"
	case TFloat:
		return "REAL"
	case TNumeric:
		return "NUMERIC"
	case TBytes:
		return "BLOB"
	default:
		return "TEXT"
	}
}

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func (sqliteDialect) IsUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// ON DELETE RESTRICT is enforced by SQLite as a trigger, so a delete that
// a reference forbids reports SQLITE_CONSTRAINT_TRIGGER, not _FOREIGNKEY.
func (sqliteDialect) IsForeignKeyViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY || c == sqlite3.SQLITE_CONSTRAINT_TRIGGER
}
func (sqliteDialect) IsNotNullViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_NOTNULL
}
func (sqliteDialect) IsRetryable(err error) bool {
	c := sqliteCode(err) & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

type postgresDialect struct{}

func (postgresDialect) Name() string             { return "postgres" }
func (postgresDialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }
func (postgresDialect) QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
func (postgresDialect) ILike(e, p string) string { return e + " ILIKE " + p + " ESCAPE '\\'" }
func (postgresDialect) Like(e, p string) string  { return e + " LIKE " + p + " ESCAPE '\\'" }
func (postgresDialect) CastText(e string) string { return "(" + e + ")::text" }
func (postgresDialect) AutoID() string           { return "BIGSERIAL PRIMARY KEY" }
func (postgresDialect) ColumnType(t ColType) string {
	switch t {
	case TInteger:
		return "BIGINT"
	case TFloat:
		return "DOUBLE PRECISION"
	case TNumeric:
		return "NUMERIC"
	case TBool:
		return "BOOLEAN"
	case TDate:
		return "DATE"
	case TDateTime:
		return "TIMESTAMP"
	case TJSON:
		return "JSONB"
	case TBytes:
		return "BYTEA"
	case TVarchar:
		return "VARCHAR"
	default:
		return "TEXT"
	}
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func (postgresDialect) IsUniqueViolation(err error) bool     { return pgCode(err) == "23505" }
func (postgresDialect) IsForeignKeyViolation(err error) bool { return pgCode(err) == "23503" }
func (postgresDialect) IsNotNullViolation(err error) bool    { return pgCode(err) == "23502" }
func (postgresDialect) IsRetryable(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01", "55P03":
		return true
	}
	return false
}

// Package identity owns who a caller is: users and groups (with Odoo-style
// external ids and transitive implied groups), password hashing, server-side
// sessions, API keys with scopes, the cache of verified credentials, login
// throttling. It does not know the transport: Login returns a Session
// value, and identity/identityhttp (the web adapter) implements
// httpd.Authenticator for the auth modes (none, public, user, bearer,
// call), sets the cookie and serves /rampart/auth/*.
//
// Every password check goes through CheckPassword's verifyPassword: a
// place in a bounded hashing gate (Config.HashConcurrency, excess 503
// with Retry-After at once), then the attempt reserved atomically on the
// failure counters (per client IP and one per user, whether named by login
// or uid) and charged to the rate limiter's login budgets, and only then
// argon2id. A second factor belongs after that check, in CheckPassword.
//
// # Storage
//
// System tables are created by this package's embedded migrations
// (component "identity", see Migrations) on SQLite and PostgreSQL:
// res_users, res_groups, res_groups_implied_rel (direct implications),
// res_groups_implied (their transitive closure, computed in Go whenever an
// implication changes), res_groups_users_rel, res_company_users_rel,
// rampart_sessions, rampart_api_keys and rampart_login_failures.
// res_users.share (Odoo's "not an internal user": not in base.group_user,
// directly or by implication) is maintained by database triggers on the
// membership and closure tables (migration 005), in the transaction of the
// change, so that no code path can leave it stale. Service.Bootstrap
// seeds the base groups, the public user and the administrator (without a
// password: EnsureAdmin sets it).
//
// # Credentials
//
// Every user has a credential version. It is bumped by a password change, a
// login change, a deactivation and a group change; a session is valid only
// while the version it was opened under is current, so any of these ends
// all of the user's sessions (Odoo binds its session token to login,
// password and active in the same spirit).
//
// Session ids are 256 random bits (base64url, 43 characters); the database
// keeps only their SHA-256. API keys look like "rp_" followed by 40 lowercase
// base32 characters that encode 168 random bits and a 32-bit checksum, so a
// typo or a fragment is refused before any database work; the database keeps
// only their SHA-256 (a slow hash buys nothing for 168-bit secrets).
//
// # The verified-credential cache
//
// A successful session, key or RPC password check is remembered for
// Config.CacheTTL (30 s by default), keyed by an HMAC of the secret under a
// per-process random key (so a memory dump does not give offline-guessable
// password digests). Revocation, logout, password change, deactivation and
// group changes drop the affected entries on this instance at once; other
// instances notice within CacheTTL. That bound is the price of not doing a
// database read per request; a negative CacheTTL disables caching.
package identity

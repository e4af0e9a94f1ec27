// Package ratelimit is rampart's request rate limiter: the generic cell
// rate algorithm (GCRA), named policies, a bounded in-memory store and a
// Redis store shared by every instance, and the IETF RateLimit headers.
//
// # Algorithm
//
// GCRA keeps one number per key, the theoretical arrival time (TAT): the
// time at which the key would be completely idle again. A Policy of Rate
// requests per Period with Burst has an emission interval I = Period/Rate
// and admits a request at time now when
//
//	max(TAT, now) + I - now <= Burst*I
//
// after which TAT becomes max(TAT, now) + I. Burst is therefore the bucket
// capacity: an idle client may send Burst requests at once, then Rate per
// Period sustained; over any window of length Period no more than
// Rate+Burst requests are admitted. One integer per key, no timers, no
// goroutine per key: the state of a key whose TAT has passed equals no
// state, so it can be dropped at any time (that is what makes the memory
// store cheap to bound and lets Redis expire keys with PX).
//
// # Stages and keys
//
// [Limiter] decides; package ratelimithttp adapts it to httpd.Limiter
// (this package does not import the transport). Before authentication (PreAuth)
// every request is charged to the "ip" policy keyed by the client address
// (IPv6 clients by their /64 by default, since one host usually owns a
// whole /64): a coarse flood guard that runs before any cryptography.
// After authentication (PostAuth) the request is charged to the route's
// policy (Route.RateLimit) or, when the route names none, to the default
// for the caller: "apikey" for API-key callers, "user" for logged-in
// users — both charged to one bucket per user id, so that all of a user's
// keys and sessions share one budget (each request at its policy's rate)
// — and "anonymous" by client address otherwise. The
// route policy "none" exempts a route from the post-auth stage (health
// checks); the pre-auth flood guard still applies. A per-route policy is
// one budget shared by every route that names it, keyed like the defaults.
// Clients in Config.Exempt networks are never limited (load generators
// and probes: with the defaults, all traffic from one address is capped
// by the "ip" policy at 1200 requests per minute).
//
// "login_ip" is the policy of the routes that take a password (and
// package identity charges it, through [Limiter.LoginIP], for
// execute_kw's password when it is checked); "login_user" is charged by
// identity for every login of one account ([Limiter.LoginUser]). Failed
// attempts are also counted by identity's failure store (cooldown and
// backoff), which [Limiter.LoginFailureStore] puts in Redis when the
// limits are there.
//
// # Stores and Redis failure
//
// The store is chosen by [Config.Store]: "memory" ([MemoryStore], per
// instance) or "redis" ([RedisStore], one global limit across instances).
// The Redis store makes one round trip per decision: a Lua script run by
// EVALSHA (loaded with SCRIPT LOAD when the server does not know it) that
// reads the TAT, decides, and writes the new TAT with a PX expiry. The
// script takes "now" from the Redis server's TIME, never from the calling
// instance, so instances with skewed clocks still share one consistent
// limit; every instance must therefore talk to the same primary.
//
// Every Redis call has a short timeout (100 ms by default). When Redis
// fails, the limiter serves decisions from a local [MemoryStore] with the
// same policies (per instance, so N instances admit up to N times the
// limit while Redis is away) or, with on_redis_error: deny, refuses with
// 429 and Retry-After. The outage is logged once when it starts and once
// when Redis answers again, and every decision taken without Redis is
// counted through [Recorder]. While Redis is down the limiter does not
// wait on it for every request: it probes again at most once per second.
package ratelimit

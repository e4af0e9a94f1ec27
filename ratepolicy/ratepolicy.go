// Package ratepolicy names the rate-limit policies routes draw on. It is
// a leaf so that httpd (Route.RateLimit), ratelimit (which defines the
// rates) and the packages that declare routes share one spelling of each
// name without importing one another.
package ratepolicy

// Name names a rate-limit policy. Configuration may define more names;
// these are the built-in ones.
type Name string

// Built-in policy names.
const (
	// Default, as a route's policy, is the caller's default: APIKey,
	// User or Anonymous.
	Default Name = ""
	// None, as a route's policy, exempts it from the post-auth limit. It
	// cannot name a configured policy.
	None Name = "none"

	IP        Name = "ip"         // pre-auth flood guard, per client address
	Anonymous Name = "anonymous"  // post-auth, callers without a user, per address
	User      Name = "user"       // post-auth, per user id
	APIKey    Name = "apikey"     // post-auth, per API key id
	LoginIP   Name = "login_ip"   // routes that take a password, per client address
	LoginUser Name = "login_user" // login attempts per login (package identity)
)

package ratelimit

import (
	"fmt"
	"time"
)

// Policy is a named rate: Rate requests per Period, with bursts of up to
// Burst requests at once. See the package doc for the exact guarantee.
type Policy struct {
	// Name identifies the policy in keys, headers, logs and metrics.
	Name string
	// Rate is the sustained number of requests per Period (at least 1).
	Rate int
	// Period is the window Rate is counted over (at least 1 ms).
	Period time.Duration
	// Burst is how many requests an idle client may send at once (at
	// least 1; Config defaults it to Rate).
	Burst int
}

// minInterval bounds Period/Rate from below: the Redis script counts in
// microseconds, so a policy finer than that cannot be represented there.
const minInterval = time.Microsecond

// Validate reports the first problem with p, naming the policy.
func (p Policy) Validate() error {
	if !validName(p.Name) {
		return fmt.Errorf("rate limit policy %q: name must be 1-64 characters of a-z, 0-9, '_', '-', '.'", p.Name)
	}
	if p.Name == NoPolicy {
		return fmt.Errorf("rate limit policy %q: the name is reserved (routes use it to opt out)", p.Name)
	}
	if p.Rate < 1 {
		return fmt.Errorf("rate limit policy %q: rate must be at least 1, got %d", p.Name, p.Rate)
	}
	if p.Period < time.Millisecond {
		return fmt.Errorf("rate limit policy %q: period must be at least 1ms, got %s", p.Name, p.Period)
	}
	if p.Burst < 1 {
		return fmt.Errorf("rate limit policy %q: burst must be at least 1, got %d", p.Name, p.Burst)
	}
	if p.interval() < minInterval {
		return fmt.Errorf("rate limit policy %q: rate %d per %s is finer than one request per microsecond", p.Name, p.Rate, p.Period)
	}
	if int64(p.Burst) > int64(24*time.Hour*365)/int64(p.interval()) {
		return fmt.Errorf("rate limit policy %q: burst %d takes more than a year to refill", p.Name, p.Burst)
	}
	return nil
}

// interval is GCRA's emission interval: the time one request "costs".
func (p Policy) interval() time.Duration { return p.Period / time.Duration(p.Rate) }

// tolerance is the burst capacity expressed as time.
func (p Policy) tolerance() time.Duration { return p.interval() * time.Duration(p.Burst) }

// validName accepts names that need no quoting in keys or in a structured
// header string.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Decision is the outcome of charging one request to a key.
type Decision struct {
	// Allowed is false when the request must be refused.
	Allowed bool
	// Limit is the policy's burst capacity: the most requests that can
	// ever be admissible at once.
	Limit int
	// Remaining is how many more requests would be admitted right now.
	Remaining int
	// ResetAfter is the time until the key is completely idle again
	// (Remaining back to Limit).
	ResetAfter time.Duration
	// RetryAfter is, for a refused request, the time until the next
	// request can pass; zero when Allowed.
	RetryAfter time.Duration
}

// decision converts a gcra result computed in units of unit.
func decision(p Policy, r gcraResult, unit time.Duration) Decision {
	return Decision{
		Allowed:    r.allowed,
		Limit:      p.Burst,
		Remaining:  int(r.remaining),
		ResetAfter: time.Duration(r.resetAfter) * unit,
		RetryAfter: time.Duration(r.retryAfter) * unit,
	}
}

// Package ratelimithttp adapts package ratelimit to httpd: it implements
// httpd.Limiter with a *ratelimit.Limiter, so that ratelimit itself knows
// nothing of the transport.
package ratelimithttp

import (
	"context"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/ratelimit"
)

// Limiter is the httpd.Limiter of a ratelimit.Limiter.
type Limiter struct{ L *ratelimit.Limiter }

var _ httpd.Limiter = Limiter{}

// Limit charges the request to the stage's policy (ratelimit.Limiter.Charge),
// adds the RateLimit headers, and refuses with TooManyRequests and
// Retry-After. It never fails otherwise.
func (a Limiter) Limit(r *httpd.Request, stage httpd.Stage) error {
	ctx := context.Background()
	if r.HTTP != nil {
		ctx = r.HTTP.Context()
	}
	c := ratelimit.Call{PreAuth: stage == httpd.PreAuth, Policy: r.RateLimit, Principal: r.Principal, Client: r.Client}
	if r.Route != nil {
		c.Route = r.Route.Name
	}
	p, d, ok := a.L.Charge(ctx, c)
	if !ok {
		return nil
	}
	if r.W != nil {
		ratelimit.SetHeaders(r.W.Header(), p, d)
	}
	if !d.Allowed {
		return ratelimit.TooMany(d)
	}
	return nil
}

// CheckRoute reports a route whose RateLimit names no configured policy,
// for the integrator to call when registering routes.
func (a Limiter) CheckRoute(rt *httpd.Route) error { return a.L.CheckPolicy(rt.Path, rt.RateLimit) }

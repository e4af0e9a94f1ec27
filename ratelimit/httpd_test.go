package ratelimit

import (
	"context"

	"github.com/rampart/rampart/httpd"
)

// Limit and CheckRoute let this package's tests drive the limiter with
// httpd requests as ratelimithttp does (which they cannot import: it
// imports this package). They call the same Charge/SetHeaders/TooMany.
func (l *Limiter) Limit(r *httpd.Request, stage httpd.Stage) error {
	ctx := context.Background()
	if r.HTTP != nil {
		ctx = r.HTTP.Context()
	}
	c := Call{PreAuth: stage == httpd.PreAuth, Policy: r.RateLimit, Principal: r.Principal, Client: r.Client}
	if r.Route != nil {
		c.Route = r.Route.Name
	}
	p, d, ok := l.Charge(ctx, c)
	if !ok {
		return nil
	}
	if r.W != nil {
		SetHeaders(r.W.Header(), p, d)
	}
	if !d.Allowed {
		return TooMany(d)
	}
	return nil
}

func (l *Limiter) CheckRoute(rt *httpd.Route) error { return l.CheckPolicy(rt.Path, rt.RateLimit) }

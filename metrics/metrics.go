// Package metrics is rampart's monitoring: a Prometheus registry owned by
// a Metrics value (never the default registerer, no package globals), the
// collectors for requests, latency, authentication failures, rate-limit
// refusals, Redis fallbacks, sudo and the database pools, and a detector
// that warns when failed authentications pile up on one IP or one login.
//
// The integrator builds one Metrics in main, adapts ObserveRoute to httpd's
// Observer, passes it as ratelimit's Recorder, hands it to identity and orm for
// AuthFailure and Sudo, and serves Handler on the admin listener
// (loopback by default: the series name routes and reveal traffic).
//
// Every method is safe for concurrent use and a no-op on a nil *Metrics,
// so a package can hold one unconditionally. Label values that come from
// callers are bounded: past a fixed number of distinct values per label,
// new values are counted as "other", so a bug or a hostile input cannot
// grow the registry without limit.
//
// Series (namespace "rampart" by default):
//
//	rampart_http_requests_total{route,status}           counter
//	rampart_http_request_duration_seconds{route}        histogram
//	rampart_http_requests_in_flight                     gauge
//	rampart_auth_failures_total{reason}                 counter
//	rampart_auth_failure_pileups_total{kind=ip|login}   counter
//	rampart_ratelimit_refused_total{policy}             counter
//	rampart_ratelimit_redis_fallback_total{outcome}     counter (local|deny)
//	rampart_orm_sudo_total{model}                       counter
//	rampart_audit_dropped_total                         counter
//	rampart_db_connections_{max,open,in_use,idle}{pool} gauges
//	rampart_db_waits_total, rampart_db_wait_seconds_total, rampart_db_closed_*_total{pool}
//
// plus the Go runtime (go_*) and process (rampart_process_*) collectors.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options tune New. Zero values take the defaults.
type Options struct {
	// Logger receives pile-up warnings (default: discard).
	Logger *slog.Logger
	// Namespace prefixes every series (default "rampart").
	Namespace string
	// LatencyBuckets are the request latency histogram's upper bounds in
	// seconds (default 1 ms … 10 s).
	LatencyBuckets []float64
	// PileUp configures the failed-authentication detector.
	PileUp PileUpOptions
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Metrics owns a registry and every rampart collector. Build it with New.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger
	ns  string

	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	inFlight      prometheus.Gauge
	authFailures  *prometheus.CounterVec
	pileUps       *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	redisFallback *prometheus.CounterVec
	sudo          *prometheus.CounterVec
	auditDropped  prometheus.Counter

	routes, reasons, policies, outcomes, models *labelSet
	series                                      sync.Map // seriesKey → routeSeries
	pile                                        *pileUp
}

// New builds the registry with the Go runtime and process collectors and
// rampart's own. Database pools are added with RegisterDB.
func New(opt Options) *Metrics {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Namespace == "" {
		opt.Namespace = "rampart"
	}
	if len(opt.LatencyBuckets) == 0 {
		opt.LatencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	ns := opt.Namespace
	counter := func(sub, name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: opt.Logger,
		ns:  ns,
		requests: counter("http", "requests_total",
			"Requests served, by route name and HTTP status.", "route", "status"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from arrival to the last byte written, by route name.",
			Buckets: opt.LatencyBuckets,
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: "http", Name: "requests_in_flight",
			Help: "Requests being served now.",
		}),
		authFailures: counter("auth", "failures_total",
			"Failed authentications, by reason.", "reason"),
		pileUps: counter("auth", "failure_pileups_total",
			"Times one IP or one login reached the failed-authentication threshold within the window.", "kind"),
		rateLimited: counter("ratelimit", "refused_total",
			"Requests refused with 429, by rate-limit policy.", "policy"),
		redisFallback: counter("ratelimit", "redis_fallback_total",
			"Rate-limit decisions taken without Redis, by outcome (local: decided per instance; deny: refused).", "outcome"),
		sudo: counter("orm", "sudo_total",
			"Operations run under sudo, by model.", "model"),
		auditDropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "audit", Name: "dropped_total",
			Help: "Detached audit entries (denials) dropped because the queue was full; each is still logged."}),
		routes:   newLabelSet(1000),
		reasons:  newLabelSet(50),
		policies: newLabelSet(100),
		outcomes: newLabelSet(10),
		models:   newLabelSet(1000),
		pile:     newPileUp(opt.PileUp, opt.Now),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: ns}),
		m.requests, m.latency, m.inFlight, m.authFailures, m.pileUps,
		m.rateLimited, m.redisFallback, m.sudo, m.auditDropped,
	)
	return m
}

// Registry is the registry, for callers that add their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format. Mount
// it at /metrics on the admin listener, not on the public one.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      errorLog{m.log},
		ErrorHandling: promhttp.ContinueOnError,
		// Scrapes are cheap but not free: a scraper stuck in a loop must
		// not be able to pile up collections.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// errorLog adapts slog to promhttp's Println logger.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Println(v ...any) {
	e.l.Error("metrics: scrape failed", "detail", slog.AnyValue(v))
}

// ObserveRoute records one finished request of the named route ("" for
// a request no route matched). The integrator adapts it to httpd's
// Observer, so that metrics does not depend on the transport.
func (m *Metrics) ObserveRoute(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	k := seriesKey{route, status}
	v, ok := m.series.Load(k)
	if !ok {
		// Resolving label values hashes them on every call; the cache
		// makes a request cost one map lookup. Only routes the labelSet
		// admitted as they are get cached, so the cache is bounded by
		// that set times the statuses a server writes.
		label := m.routes.value(route)
		v = routeSeries{
			requests: m.requests.WithLabelValues(label, strconv.Itoa(status)),
			latency:  m.latency.WithLabelValues(label),
		}
		if label == route {
			m.series.Store(k, v)
		}
	}
	rs := v.(routeSeries)
	rs.requests.Inc()
	rs.latency.Observe(d.Seconds())
}

// seriesKey and routeSeries cache one route and status's children.
type seriesKey struct {
	route  string
	status int
}

type routeSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// InFlight wraps the server's outermost handler to count requests being
// served (ObserveRoute only sees requests that have finished).
func (m *Metrics) InFlight(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		next.ServeHTTP(w, r)
	})
}

// RateLimited counts one request refused under policy. It implements
// ratelimit.Recorder.
func (m *Metrics) RateLimited(policy string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(m.policies.value(policy)).Inc()
}

// RedisFallback counts one rate-limit decision taken without Redis
// ("local" or "deny"). It implements ratelimit.Recorder.
func (m *Metrics) RedisFallback(outcome string) {
	if m == nil {
		return
	}
	m.redisFallback.WithLabelValues(m.outcomes.value(outcome)).Inc()
}

// Sudo counts one operation run under sudo on model.
func (m *Metrics) Sudo(model string) {
	if m == nil {
		return
	}
	m.sudo.WithLabelValues(m.models.value(model)).Inc()
}

// AuditDropped counts one detached audit entry dropped at a full queue.
func (m *Metrics) AuditDropped() {
	if m == nil {
		return
	}
	m.auditDropped.Inc()
}

// AuthFailure counts one failed authentication by reason (a short fixed
// word such as "bad_password", "bad_key", "expired_key", "throttled")
// and feeds the pile-up detector with the client IP and the login tried
// (either may be empty). Neither the IP nor the login becomes a label.
func (m *Metrics) AuthFailure(reason, ip, login string) {
	if m == nil {
		return
	}
	m.authFailures.WithLabelValues(m.reasons.value(reason)).Inc()
	if ip != "" {
		m.pileUpCheck(kindIP, ip)
	}
	if login != "" {
		m.pileUpCheck(kindLogin, login)
	}
}

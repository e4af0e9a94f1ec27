package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rampart/rampart/store"
)

// RegisterDB adds a collector for db's connection pools, read at each
// scrape: two pools, labelled pool="write" (SQLite's one writer) and
// pool="read" (on PostgreSQL, sessions that are read-only), and the count
// of statements the slow-query log reported.
func (m *Metrics) RegisterDB(db *store.DB) error {
	return m.reg.Register(newDBCollector(m.ns, db))
}

// dbStatser is what the collector reads; *store.DB implements it.
type dbStatser interface {
	Stats() (write, read sql.DBStats)
}

type dbCollector struct {
	db    dbStatser
	slow  *prometheus.Desc
	stats []dbStat
}

// dbStat is one series read from sql.DBStats.
type dbStat struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(s sql.DBStats) float64
}

// dbSeries lists the pool series: name, help, type, and the field read.
var dbSeries = []struct {
	name, help string
	kind       prometheus.ValueType
	value      func(s sql.DBStats) float64
}{
	{"connections_max", "Maximum open connections of the pool.", prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }},
	{"connections_open", "Open connections (in use and idle).", prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.OpenConnections) }},
	{"connections_in_use", "Connections in use.", prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.InUse) }},
	{"connections_idle", "Idle connections.", prometheus.GaugeValue, func(s sql.DBStats) float64 { return float64(s.Idle) }},
	{"waits_total", "Times a caller waited for a connection.", prometheus.CounterValue, func(s sql.DBStats) float64 { return float64(s.WaitCount) }},
	{"wait_seconds_total", "Total time callers waited for a connection.", prometheus.CounterValue, func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }},
	{"closed_max_idle_total", "Connections closed because the idle pool was full.", prometheus.CounterValue, func(s sql.DBStats) float64 { return float64(s.MaxIdleClosed) }},
	{"closed_max_idle_time_total", "Connections closed after their maximum idle time.", prometheus.CounterValue, func(s sql.DBStats) float64 { return float64(s.MaxIdleTimeClosed) }},
	{"closed_max_lifetime_total", "Connections closed after their maximum lifetime.", prometheus.CounterValue, func(s sql.DBStats) float64 { return float64(s.MaxLifetimeClosed) }},
}

func newDBCollector(ns string, db dbStatser) *dbCollector {
	c := &dbCollector{db: db,
		slow: prometheus.NewDesc(prometheus.BuildFQName(ns, "db", "slow_queries_total"), "Statements that took longer than the slow-query threshold.", nil, nil)}
	for _, s := range dbSeries {
		d := prometheus.NewDesc(prometheus.BuildFQName(ns, "db", s.name), s.help, []string{"pool"}, nil)
		c.stats = append(c.stats, dbStat{d, s.kind, s.value})
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.stats {
		ch <- s.desc
	}
	ch <- c.slow
}

// Collect implements prometheus.Collector.
func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	w, r := c.db.Stats()
	if s, ok := c.db.(interface{ SlowQueries() int64 }); ok {
		ch <- prometheus.MustNewConstMetric(c.slow, prometheus.CounterValue, float64(s.SlowQueries()))
	}
	emit := func(pool string, st sql.DBStats) {
		for _, s := range c.stats {
			ch <- prometheus.MustNewConstMetric(s.desc, s.kind, s.value(st), pool)
		}
	}
	emit("write", w)
	emit("read", r)
}

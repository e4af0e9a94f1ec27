package ratelimit

// gcraResult is the outcome of one GCRA step in the caller's time unit.
type gcraResult struct {
	allowed    bool
	newTAT     int64 // TAT to store when allowed; the old one otherwise
	remaining  int64 // requests still admissible right now
	retryAfter int64 // wait before the next request can pass (0 when allowed)
	resetAfter int64 // wait until the key is completely idle
}

// gcra performs one decision for a single request. tat is the stored
// theoretical arrival time (0 or anything in the past means none), now the
// current time, interval the emission interval (Period/Rate) and tolerance
// the burst capacity expressed as time (Burst*interval). All values share
// one unit (nanoseconds in memory, microseconds in Redis, whose Lua script
// mirrors this function line for line).
func gcra(tat, now, interval, tolerance int64) gcraResult {
	if tat < now {
		tat = now
	}
	newTAT := tat + interval
	allowAt := newTAT - tolerance
	if allowAt > now {
		return gcraResult{newTAT: tat, retryAfter: allowAt - now, resetAfter: tat - now}
	}
	reset := newTAT - now
	return gcraResult{
		allowed:    true,
		newTAT:     newTAT,
		remaining:  (tolerance - reset) / interval,
		resetAfter: reset,
	}
}

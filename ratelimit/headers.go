package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// Header names from draft-ietf-httpapi-ratelimit-headers.
const (
	HeaderPolicy = "RateLimit-Policy"
	HeaderState  = "RateLimit"
)

// SetHeaders adds one item for p to each header, so that a response
// limited by both stages lists both policies (a structured-field list may
// span several field lines):
//
//	RateLimit-Policy: "user";q=600;w=60
//	RateLimit: "user";r=42;t=17
//
// q and w are the policy's Rate and Period; r is how many requests would
// be admitted right now and t the seconds until the key is idle again
// (r back to the burst capacity). Policy names never need escaping: Policy.Validate
// admits only [a-z0-9_.-]. The transport adapter calls it for every
// charged stage.
func SetHeaders(h http.Header, p Policy, d Decision) {
	q, w := quota(p)
	var buf [64]byte
	b := buf[:0]
	b = append(b, '"')
	b = append(b, p.Name...)
	b = append(b, `";q=`...)
	b = strconv.AppendInt(b, q, 10)
	b = append(b, ";w="...)
	b = strconv.AppendInt(b, w, 10)
	h.Add(HeaderPolicy, string(b))

	b = b[:0]
	b = append(b, '"')
	b = append(b, p.Name...)
	b = append(b, `";r=`...)
	b = strconv.AppendInt(b, int64(max(d.Remaining, 0)), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, ceilSeconds(d.ResetAfter), 10)
	h.Add(HeaderState, string(b))
}

// quota expresses p as q requests per w whole seconds (the header's
// window is an integer): exact for whole-second periods, otherwise the
// rate scaled to the rounded-up window and rounded down.
func quota(p Policy) (q, w int64) {
	w = ceilSeconds(p.Period)
	if time.Duration(w)*time.Second == p.Period {
		return int64(p.Rate), w
	}
	return max(1, int64(float64(p.Rate)*float64(time.Duration(w)*time.Second)/float64(p.Period))), w
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

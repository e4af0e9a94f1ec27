package ratelimit

import "testing"

// FuzzGCRA drives gcra with arbitrary arrival patterns and checks the
// invariants the limiter's guarantees rest on: a decision's numbers stay
// in range, and no window of one period ever admits more than
// rate + burst requests.
func FuzzGCRA(f *testing.F) {
	f.Add(uint16(10), uint8(3), []byte{0, 0, 0, 0, 5, 0, 20, 1, 1, 1})
	f.Add(uint16(1), uint8(1), []byte{0, 1, 0, 1, 255})
	f.Add(uint16(1000), uint8(200), make([]byte, 300))
	f.Fuzz(func(t *testing.T, iv16 uint16, burst8 uint8, gaps []byte) {
		interval, burst := int64(iv16)+1, int64(burst8)+1
		tolerance := interval * burst
		const rate = 50 // requests per period; period = rate*interval
		period := rate * interval
		var tat, now int64 = 0, 1
		var admitted []int64
		for _, g := range gaps {
			now += int64(g)
			r := gcra(tat, now, interval, tolerance)
			if r.allowed {
				if r.remaining < 0 || r.remaining >= burst || r.retryAfter != 0 ||
					r.resetAfter <= 0 || r.resetAfter > tolerance {
					t.Fatalf("allowed with out-of-range numbers: %+v (interval %d, burst %d)", r, interval, burst)
				}
				tat = r.newTAT
				admitted = append(admitted, now)
			} else if r.remaining != 0 || r.retryAfter <= 0 || r.retryAfter > interval || r.newTAT != tat {
				t.Fatalf("refused with out-of-range numbers: %+v (interval %d, burst %d)", r, interval, burst)
			}
		}
		j := 0
		for i := range admitted {
			for admitted[i]-admitted[j] >= period {
				j++
			}
			if n := int64(i - j + 1); n > rate+burst {
				t.Fatalf("%d admitted within one period (rate %d + burst %d)", n, rate, burst)
			}
		}
	})
}

// Package memtest measures the memory a benchmark's work takes: the peak
// live heap while it runs, which allocation counts do not show (an
// answer held whole and one streamed allocate about the same bytes).
package memtest

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// PeakHeap starts sampling the live heap every 2 ms. The function it
// returns stops sampling and gives the peak above the heap at the start,
// in MiB.
func PeakHeap() func() float64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var top atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > top.Load() {
				top.Store(ms.HeapAlloc)
			}
		}
	})
	return func() float64 {
		close(stop)
		wg.Wait()
		return float64(top.Load()-min(top.Load(), base.HeapAlloc)) / (1 << 20)
	}
}

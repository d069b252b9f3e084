package main

import (
	"math"
	"runtime/metrics"
	"testing"
)

// runtimeStats reads, over a benchmark's measured interval, what the Go
// runtime did that a request can wait on: garbage-collection cycles, the
// stop-the-world pauses of the collector (from the decision to stop to
// the world running again) and how long goroutines waited, runnable, for
// a processor.
type runtimeStats struct {
	samples []metrics.Sample
}

var runtimeStatNames = []string{
	"/gc/cycles/total:gc-cycles",
	"/sched/pauses/total/gc:seconds",
	"/sched/latencies:seconds",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
}

func newRuntimeStats() *runtimeStats {
	s := &runtimeStats{samples: make([]metrics.Sample, len(runtimeStatNames))}
	for i, n := range runtimeStatNames {
		s.samples[i].Name = n
	}
	metrics.Read(s.samples)
	return s
}

// report reads the metrics again and reports the differences since
// newRuntimeStats: gc-cycles, stw-pauses (their number), stw-ms (their
// sum, each counted at its histogram bucket's middle), stw-max-ms (the
// upper bound of the longest one's bucket) and sched-p99-ms (the 99th
// percentile of the time a runnable goroutine waited for a processor)
// and gc-cpu-ms/s (the collector's CPU time per second: mark workers,
// assists, pauses; not the marking done by Ps that were idle anyway; an
// estimate of the runtime's).
func (s *runtimeStats) report(b *testing.B) {
	now := make([]metrics.Sample, len(s.samples))
	for i := range now {
		now[i].Name = s.samples[i].Name // a fresh Value: Read reuses a histogram's memory
	}
	metrics.Read(now)
	b.ReportMetric(float64(now[0].Value.Uint64()-s.samples[0].Value.Uint64()), "gc-cycles")
	pauses := histDelta(s.samples[1].Value.Float64Histogram(), now[1].Value.Float64Histogram())
	b.ReportMetric(float64(pauses.count()), "stw-pauses")
	b.ReportMetric(pauses.sum()*1e3, "stw-ms")
	b.ReportMetric(pauses.quantile(1)*1e3, "stw-max-ms")
	lat := histDelta(s.samples[2].Value.Float64Histogram(), now[2].Value.Float64Histogram())
	b.ReportMetric(lat.quantile(0.99)*1e3, "sched-p99-ms")
	gc := now[3].Value.Float64() - s.samples[3].Value.Float64()
	idle := now[4].Value.Float64() - s.samples[4].Value.Float64()
	b.ReportMetric((gc-idle)*1e3/b.Elapsed().Seconds(), "gc-cpu-ms/s")
}

type hist struct {
	counts  []uint64
	buckets []float64
}

func histDelta(before, after *metrics.Float64Histogram) hist {
	h := hist{counts: make([]uint64, len(after.Counts)), buckets: after.Buckets}
	for i := range after.Counts {
		h.counts[i] = after.Counts[i] - before.Counts[i]
	}
	return h
}

func (h hist) count() uint64 {
	var n uint64
	for _, c := range h.counts {
		n += c
	}
	return n
}

// bound is a finite edge of bucket i (the runtime's first and last edges
// are infinite).
func (h hist) bound(i int) float64 {
	v := h.buckets[i]
	if math.IsInf(v, -1) {
		return 0
	}
	if math.IsInf(v, 1) {
		return h.buckets[i-1]
	}
	return v
}

func (h hist) sum() float64 {
	var s float64
	for i, c := range h.counts {
		s += float64(c) * (h.bound(i) + h.bound(i+1)) / 2
	}
	return s
}

// quantile is the upper edge of the bucket holding the q-th quantile.
func (h hist) quantile(q float64) float64 {
	n := h.count()
	if n == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(n)))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= want && c > 0 {
			return h.bound(i + 1)
		}
	}
	return h.bound(len(h.buckets) - 1)
}

package benchhttp

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Result is what one load run measured.
type Result struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
}

// RPS is requests per second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("%9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  errors %d",
		r.RPS(), ms(r.P50), ms(r.P99), ms(r.Max), r.Errors)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}}
}

func get(c *http.Client, url, bearer string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return err
}

// ClosedLoop sends GET url from conns connections, each as fast as its
// answers come, for d.
func ClosedLoop(url, bearer string, conns int, d time.Duration) Result {
	c := newClient(conns)
	defer c.CloseIdleConnections()
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var lat []time.Duration
			e := 0
			for {
				t := time.Now()
				if !t.Before(deadline) {
					break
				}
				if err := get(c, url, bearer); err != nil {
					e++
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			mu.Unlock()
		})
	}
	wg.Wait()
	return summarise(all, errs, time.Since(start))
}

// FixedRate sends GET url at rate requests per second for d, from up to
// conns connections. Each latency counts from the request's scheduled
// start, so a server stall shows in the percentiles instead of slowing the
// generator down (no coordinated omission).
func FixedRate(url, bearer string, rate, conns int, d time.Duration) Result {
	c := newClient(conns)
	defer c.CloseIdleConnections()
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	due := make(chan time.Time, n)
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var lat []time.Duration
			e := 0
			for t := range due {
				if err := get(c, url, bearer); err != nil {
					e++
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			mu.Unlock()
		})
	}
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		due <- at
	}
	close(due)
	wg.Wait()
	return summarise(all, errs, time.Since(start))
}

func summarise(lat []time.Duration, errs int, el time.Duration) Result {
	slices.Sort(lat)
	r := Result{Requests: len(lat), Errors: errs, Elapsed: el}
	if len(lat) > 0 {
		r.P50 = lat[len(lat)*50/100]
		r.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
		r.Max = lat[len(lat)-1]
	}
	return r
}

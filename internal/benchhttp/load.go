package benchhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	return paced(rate, conns, d, func(due <-chan time.Time) ([]time.Duration, int) {
		var lat []time.Duration
		e := 0
		for t := range due {
			if err := get(c, url, bearer); err != nil {
				e++
				continue
			}
			lat = append(lat, time.Since(t))
		}
		return lat, e
	})
}

// paced schedules rate requests per second for d on a channel read by
// conns workers, each returning the latencies (from the scheduled times)
// and the errors of the requests it sent.
func paced(rate, conns int, d time.Duration, worker func(due <-chan time.Time) ([]time.Duration, int)) Result {
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	due := make(chan time.Time, n)
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			lat, e := worker(due)
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

// OpenLoop is FixedRate with a lighter client: conns plain TCP
// connections, each writing the same pre-formatted GET and reading the
// answer's status line, headers and Content-Length body, without
// net/http's transport (its two goroutines per connection, header maps,
// pools). On a 2-core machine the load generator shares the cores with
// the server it measures; the less it costs, the less of the percentiles
// it makes.
func OpenLoop(rawURL, bearer string, rate, conns int, d time.Duration) (Result, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Result{}, err
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n"
	if bearer != "" {
		req += "Authorization: " + bearer + "\r\n"
	}
	req += "\r\n"
	return paced(rate, conns, d, func(due <-chan time.Time) ([]time.Duration, int) {
		return rawWorker(u.Host, []byte(req), due)
	}), nil
}

// rawWorker sends req on one keep-alive connection (redialled after an
// error) for every time received from due, and returns the latencies
// from those times and the number of errors.
func rawWorker(host string, req []byte, due <-chan time.Time) ([]time.Duration, int) {
	var lat []time.Duration
	errs := 0
	var c net.Conn
	var br *bufio.Reader
	for t := range due {
		if c == nil {
			var err error
			if c, err = net.Dial("tcp", host); err != nil {
				errs++
				continue
			}
			br = bufio.NewReaderSize(c, 64<<10)
		}
		if err := rawGet(c, br, req); err != nil {
			errs++
			c.Close()
			c = nil
			continue
		}
		lat = append(lat, time.Since(t))
	}
	if c != nil {
		c.Close()
	}
	return lat, errs
}

func rawGet(c net.Conn, br *bufio.Reader, req []byte) error {
	if _, err := c.Write(req); err != nil {
		return err
	}
	status, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("answer %q", bytes.TrimSpace(status))
	}
	length, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 { // the blank line ending the headers
			break
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return err
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		return discardChunks(br)
	case length < 0:
		return fmt.Errorf("answer without a length")
	}
	_, err = br.Discard(length)
	return err
}

// discardChunks reads a chunked body (no trailers) to its end.
func discardChunks(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil {
			return fmt.Errorf("chunk size: %w", err)
		}
		if _, err := br.Discard(int(size) + 2); err != nil { // the data and its CRLF
			return err
		}
		if size == 0 {
			return nil
		}
	}
}

package benchhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
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
	// OpenLoop only: the 99th percentiles of how late the pacer wrote
	// each request after its scheduled time (the generator's own share of
	// P99), and of the time from the write to the whole answer.
	LateP99, ServiceP99 time.Duration

	// the sorted latencies (and OpenLoop's lateness and write-to-answer
	// times), for Merge's exact percentiles
	lat, late, svc []time.Duration
}

// Merge is the result of runs a and b together: their requests, errors
// and time, and the exact percentiles of all their latencies (not an
// average of percentiles).
func Merge(a, b Result) Result {
	r := summarise(slices.Concat(a.lat, b.lat), a.Errors+b.Errors, a.Elapsed+b.Elapsed)
	r.late, r.svc = slices.Concat(a.late, b.late), slices.Concat(a.svc, b.svc)
	r.LateP99, r.ServiceP99 = p99(r.late), p99(r.svc)
	return r
}

// RPS is requests per second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r Result) String() string {
	s := fmt.Sprintf("%9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  errors %d",
		r.RPS(), ms(r.P50), ms(r.P99), ms(r.Max), r.Errors)
	if r.LateP99 != 0 || r.ServiceP99 != 0 {
		s += fmt.Sprintf("  (p99 sent late %.2f ms, write to answer %.2f ms)", ms(r.LateP99), ms(r.ServiceP99))
	}
	return s
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
	runtime.LockOSThread()
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		sleepUntil(at)
		due <- at
	}
	runtime.UnlockOSThread()
	close(due)
	wg.Wait()
	return summarise(all, errs, time.Since(start))
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, len(d)*99/100)]
}

func summarise(lat []time.Duration, errs int, el time.Duration) Result {
	slices.Sort(lat)
	r := Result{Requests: len(lat), Errors: errs, Elapsed: el, lat: lat}
	if len(lat) > 0 {
		r.P50 = lat[len(lat)*50/100]
		r.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
		r.Max = lat[len(lat)-1]
	}
	return r
}

// OpenLoop is FixedRate with a lighter client and a precise pacer: conns
// plain TCP connections, dialled before the run, each writing the same
// pre-formatted GET and reading the answer's status line, headers and
// Content-Length body, without net/http's transport (its two goroutines
// per connection, header maps, pools). The pacer is one goroutine on its
// own OS thread that sleeps with nanosleep(2) until each request's
// scheduled time and writes the request itself on an idle connection; the
// connection's reader counts the latency from the scheduled time when the
// answer is in. Go's own timers cannot pace this: when every P is idle the
// runtime sleeps in epoll_wait, whose timeout is whole milliseconds, so a
// time.Sleep of 0.3 ms wakes up to 1 ms late — and, measured from the
// scheduled time as it must be, that lateness was most of the p50 and p99
// a bare Echo server showed at 1,000 req/s. When no connection is idle the
// pacer waits for one, and the wait counts in the latencies (no
// coordinated omission). Latencies go into one slice allocated before the
// run, so the generator does not allocate, and does not collect, while it
// measures.
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
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n) // by request; -1 for an error
	late := make([]time.Duration, n)
	svc := make([]time.Duration, n)
	idle := make(chan *rawConn, conns)
	var wg sync.WaitGroup
	var all []*rawConn
	for range conns {
		c := &rawConn{host: u.Host, req: []byte(req), due: make(chan rawJob, 1)}
		if err := c.dial(); err != nil {
			for _, c := range all {
				close(c.due)
			}
			wg.Wait()
			return Result{}, err
		}
		all = append(all, c)
		wg.Go(func() { c.read(lat, svc, idle) })
		idle <- c
	}
	runtime.LockOSThread()
	start := time.Now().Add(time.Millisecond)
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		sleepUntil(at)
		c := <-idle
		sent := time.Now()
		late[i] = sent.Sub(at)
		c.due <- rawJob{i: i, at: at, sent: sent, err: c.write()}
	}
	runtime.UnlockOSThread()
	for _, c := range all {
		close(c.due)
	}
	wg.Wait()
	el := time.Since(start)
	ok, okLate, okSvc, errs := lat[:0], late[:0], svc[:0], 0
	for i, l := range lat {
		if l < 0 {
			errs++
		} else {
			ok, okLate, okSvc = append(ok, l), append(okLate, late[i]), append(okSvc, svc[i])
		}
	}
	r := summarise(ok, errs, el)
	r.late, r.svc = okLate, okSvc
	r.LateP99, r.ServiceP99 = p99(okLate), p99(okSvc)
	return r, nil
}

// rawJob is one request the pacer wrote on a connection: its number, its
// scheduled time, and the write's error.
type rawJob struct {
	i        int
	at, sent time.Time
	err      error
}

// rawConn is one keep-alive connection of OpenLoop.
type rawConn struct {
	host string
	req  []byte
	c    net.Conn // nil after a failed redial
	br   *bufio.Reader
	due  chan rawJob
}

func (c *rawConn) dial() error {
	conn, err := net.Dial("tcp", c.host)
	if err != nil {
		c.c = nil
		return err
	}
	c.c, c.br = conn, bufio.NewReaderSize(conn, 64<<10)
	return nil
}

func (c *rawConn) write() error {
	if c.c == nil {
		if err := c.dial(); err != nil {
			return err
		}
	}
	_, err := c.c.Write(c.req)
	return err
}

// read reads the answer to each job, records its latency (or -1 for an
// error, after which it redials), and hands the connection back to idle.
func (c *rawConn) read(lat, svc []time.Duration, idle chan<- *rawConn) {
	for j := range c.due {
		err := j.err
		if err == nil {
			err = rawGet(c.br)
		}
		if err == nil {
			now := time.Now()
			lat[j.i], svc[j.i] = now.Sub(j.at), now.Sub(j.sent)
		} else {
			lat[j.i] = -1
			if c.c != nil {
				c.c.Close()
			}
			c.dial()
		}
		idle <- c
	}
	if c.c != nil {
		c.c.Close()
	}
}

// rawGet reads one answer from br: a 200, its headers and its body.
func rawGet(br *bufio.Reader) error {
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
			if length, err = atoi(v); err != nil {
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

// atoi is strconv.Atoi on bytes, without the string copy.
func atoi(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 12 {
		return 0, fmt.Errorf("length %q", b)
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("length %q", b)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
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

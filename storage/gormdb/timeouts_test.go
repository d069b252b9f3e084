package gormdb

import (
	"io"
	"net"
	"testing"
)

// BenchmarkQuietConn: what the silence timeout adds to a round trip on a
// connection (a deadline set before each read and write): "raw" and
// "quiet" exchange 64 bytes with an echo server over loopback TCP.
func BenchmarkQuietConn(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	limit := &quietLimit{}
	limit.d.Store(int64(DefaultTimeout))
	for _, mode := range []string{"raw", "quiet"} {
		b.Run(mode, func(b *testing.B) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if mode == "quiet" {
				c = &quietConn{Conn: c, limit: limit}
			}
			msg, buf := make([]byte, 64), make([]byte, 64)
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

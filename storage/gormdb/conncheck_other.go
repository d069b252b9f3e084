//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package gormdb

import "net"

// peekQuiet cannot tell here: every connection idle for more than a
// second is pinged, as pgx does by default.
func peekQuiet(net.Conn) bool { return false }

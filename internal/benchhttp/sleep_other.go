//go:build !linux

package benchhttp

import "time"

// sleepUntil returns at t, as closely as the runtime's timers allow.
func sleepUntil(t time.Time) {
	if w := time.Until(t); w > 0 {
		time.Sleep(w)
	}
}

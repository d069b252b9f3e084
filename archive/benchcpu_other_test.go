//go:build !linux

package archive_test

import "time"

func processCPU() (time.Duration, bool) { return 0, false }

func minioCPU() (time.Duration, bool) { return 0, false }

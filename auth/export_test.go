package auth

import "time"

// SetCompare replaces bcrypt's comparison of s (a counter in tests).
func SetCompare(s *Service, fn func(hash, pw []byte) error) { s.compare = fn }

// SetCacheClock replaces the monotonic clock of s's session cache.
func SetCacheClock(s *Service, fn func() time.Time) { s.mono = fn }

// SetSpawn replaces how s runs its session cache's reads ahead.
func SetSpawn(s *Service, fn func(func())) { s.spawnFn = fn }

package auth

// SetCompare replaces bcrypt's comparison of s (a counter in tests).
func SetCompare(s *Service, fn func(hash, pw []byte) error) { s.compare = fn }

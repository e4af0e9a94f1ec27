package identity

// SetHashObserver installs the seam tests count (and hold) argon2id work
// through: f runs inside the hashing slot, once per password verified.
func (s *Service) SetHashObserver(f func()) { s.onHash = f }

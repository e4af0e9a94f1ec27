package identity

import (
	"context"
	"math"
	"time"
)

// DefaultKeyLifetime is the lifetime of a key whose creator names none:
// the longest the owner's groups allow, at most 90 days (administrators,
// who have no cap, get 90 days too). `rampart keys create` uses it.
func (s *Service) DefaultKeyLifetime(ctx context.Context, uid int64) (time.Duration, error) {
	p, err := s.Principal(ctx, uid)
	if err != nil {
		return 0, err
	}
	maxDays, err := s.maxKeyDays(ctx, p)
	if err != nil {
		return 0, err
	}
	return time.Duration(math.Min(maxDays, 90) * float64(24*time.Hour)), nil
}

// KeyState is "active", "revoked" or "expired", at the service's clock.
func (s *Service) KeyState(k APIKey) string {
	switch {
	case k.RevokedAt != nil:
		return "revoked"
	case k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt):
		return "expired"
	}
	return "active"
}

package identity

import (
	"context"
	"net/netip"
	"time"
)

// EventType names an authentication event.
type EventType string

// Authentication events sent to the EventSink.
const (
	EventLogin           EventType = "login"
	EventLoginFailed     EventType = "login_failed"
	EventLoginThrottled  EventType = "login_throttled"
	EventLogout          EventType = "logout"
	EventSessionEnded    EventType = "session_ended" // ended from the session list
	EventPasswordChanged EventType = "password_changed"
	EventKeyCreated      EventType = "key_created"
	EventKeyRevoked      EventType = "key_revoked"
	EventUserDisabled    EventType = "user_disabled" // by an administrator: console, admin API or CLI (SetUserActive)
	EventUserEnabled     EventType = "user_enabled"
)

// AuthEvent is one authentication event. It never holds a secret: no
// password, key or session id, only database ids.
type AuthEvent struct {
	Type EventType
	Time time.Time
	// UserID is the user concerned (0 when a failed login names no user).
	UserID int64
	// Login as given by the client (failed logins) or the user's login.
	Login string
	// ActorID is who did it, when not the user (an administrator revoking
	// a key); 0 for the user themselves or the CLI.
	ActorID   int64
	Client    netip.Addr
	SessionID int64
	KeyID     int64
	// Reason says why a login failed or was throttled, for the trail.
	Reason string
}

// EventSink receives authentication events; the audit package implements
// it. AuthEvent is called synchronously after the change is committed, so
// it must be quick and must not fail the request: an implementation logs
// its own errors.
type EventSink interface {
	AuthEvent(ctx context.Context, ev AuthEvent)
}

func (s *Service) emit(ctx context.Context, ev AuthEvent) {
	if s.events == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	s.events.AuthEvent(ctx, ev)
}

// EventTypes lists every event identity emits, for the audit trail's
// operation list (an event missing from it cannot be searched for).
func EventTypes() []EventType {
	return []EventType{EventLogin, EventLoginFailed, EventLoginThrottled, EventLogout, EventSessionEnded,
		EventPasswordChanged, EventKeyCreated, EventKeyRevoked, EventUserDisabled, EventUserEnabled,
		EventTwoFactorEnrolled, EventTwoFactorDisabled, EventTwoFactorFailed, EventRecoveryCodeUsed, EventTwoFactorGroupRule}
}

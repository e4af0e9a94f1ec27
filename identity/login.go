package identity

import (
	"context"
	"net/netip"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
)

// LoginRPC checks a login and a password (or an API key of that user) for
// a non-interactive RPC call, as Odoo's common.authenticate, and returns
// the uid. Wrong credentials are errs.AccessDenied.
func (s *Service) LoginRPC(ctx context.Context, login, secret string, client netip.Addr) (int64, error) {
	p, err := s.CheckPassword(ctx, Credential{Login: login, Password: secret, Client: client})
	if err != nil {
		return 0, err
	}
	return p.UserID, nil
}

// CheckRPC checks uid and secret (password or API key) for one RPC call,
// through the verified-credential cache, and returns whom the call acts as.
func (s *Service) CheckRPC(ctx context.Context, uid int64, secret string, client netip.Addr) (*principal.Principal, error) {
	return s.CheckPassword(ctx, Credential{UID: uid, Password: secret, Client: client})
}

// GenerateKey is Odoo 19's res.users.apikeys.generate, allowed to
// administrators, or to everyone when Config.ProgrammaticAPIKeys is set
// (Odoo's base.enable_programmatic_api_keys) or in demo mode: key must be a
// valid key of p's user; a key with the rpc scope may create any scope, another
// key only keys within its own scopes. scope "" means rpc; expires nil asks
// for a persistent key (administrators only). It returns the new secret.
func (s *Service) GenerateKey(ctx context.Context, p *principal.Principal, key, scope, name string, expires *time.Time, client netip.Addr) (string, error) {
	if p == nil || p.Public {
		return "", errAccessDenied()
	}
	if !p.IsSystem() && !s.cfg.ProgrammaticAPIKeys && !s.demo {
		return "", errs.E(errs.UserError, "Programmatic API keys are not enabled")
	}
	ipKey, acctKey := attemptKeys(client, p.UserID, p.Login)
	if err := s.reserveAttempt(ctx, attempt{client: client, ipKey: ipKey, acctKey: acctKey, login: p.Login}); err != nil {
		return "", err
	}
	e, err := s.verifyKey(ctx, key, client)
	if err != nil || e.p.UserID != p.UserID {
		s.attemptFailed(ctx, client, p.Login, p.UserID, "generate: invalid api key")
		return "", errAccessDenied()
	}
	s.attemptSucceeded(ctx, ipKey, acctKey)
	if scope == "" {
		scope = ScopeRPC
	}
	if !scopeWithin(e.scopes, scope) {
		return "", errs.E(errs.AccessError, "This API key cannot create a key of that scope.")
	}
	nk := NewAPIKey{UserID: p.UserID, Name: name, Scopes: []string{scope}, Actor: p, Client: client}
	if expires == nil {
		nk.NoExpiry = true
	} else {
		nk.ExpiresIn = expires.Sub(s.now())
	}
	secret, _, err := s.CreateAPIKey(ctx, nk)
	return secret, err
}

// scopeWithin reports whether a key with scopes may mint a key of scope.
func scopeWithin(scopes []string, scope string) bool {
	for _, s := range scopes {
		if s == ScopeRPC || s == scope {
			return true
		}
	}
	return false
}

// RevokeKey is res.users.apikeys.revoke: it revokes the key whose secret
// is given, if it belongs to p's user (or p is an administrator). A key
// that is not found is errs.AccessDenied, as in Odoo.
func (s *Service) RevokeKey(ctx context.Context, p *principal.Principal, key string, client netip.Addr) error {
	if p == nil || p.Public {
		return errAccessDenied()
	}
	e, err := s.verifyKey(ctx, key, client)
	if err != nil {
		return errAccessDenied()
	}
	if err := s.RevokeAPIKey(ctx, p, e.keyID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errAccessDenied()
		}
		return err
	}
	return nil
}

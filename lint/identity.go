package lint

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart/rampart/errs"
)

// Key, user and audit check names.
const (
	CheckKeyNoExpiry   = "key-no-expiry"
	CheckKeyUnused     = "key-unused"
	CheckAdminNo2FA    = "admin-no-2fa"
	CheckUserIdle      = "user-idle"
	CheckSudoReasons   = "sudo-reasons"
	CheckTwoFactorSkip = "admin-2fa-unchecked"
)

// The accounts nobody signs in as: excluded from the user checks.
var specialLogins = map[string]bool{"__public__": true, "__system__": true}

func keyID(k Key) string { return fmt.Sprintf("key %d (%s, %q)", k.ID, k.Login, k.Name) }

// checkKeys: working keys (not revoked, not expired) without an expiry,
// or unused for KeyUnusedAfter.
func checkKeys(keys []Key, now time.Time) []Finding {
	var out []Finding
	for _, k := range keys {
		if k.RevokedAt != nil || k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
			continue
		}
		if k.ExpiresAt == nil {
			out = append(out, Finding{Check: CheckKeyNoExpiry, Severity: Medium, ID: keyID(k),
				Message: fmt.Sprintf("API key %d of %s (%q) never expires: a leaked copy works until someone notices", k.ID, k.Login, k.Name),
				Fix:     fmt.Sprintf("create a replacement with --expires-in, then `rampart keys revoke %d`; set the groups' api_key_duration so new keys expire", k.ID)})
		}
		last, what := k.CreatedAt, "created"
		if k.LastUsed != nil {
			last, what = *k.LastUsed, "last used"
		}
		if !last.IsZero() && now.Sub(last) > KeyUnusedAfter {
			out = append(out, Finding{Check: CheckKeyUnused, Severity: Low, ID: keyID(k),
				Message: fmt.Sprintf("API key %d of %s (%q) is unused for %d days (%s %s)", k.ID, k.Login, k.Name, days(now.Sub(last)), what, last.UTC().Format(time.DateOnly)),
				Fix:     fmt.Sprintf("`rampart keys revoke %d` if nothing needs it", k.ID)})
		}
	}
	return out
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// administrator: a member of Settings or Access Rights (directly or by
// implication): either can give themselves every right.
func administrator(in Input, u User) bool {
	if in.Security == nil {
		for _, g := range u.Groups {
			if g == "base.group_system" || g == "base.group_erp_manager" {
				return true
			}
		}
		return false
	}
	return in.Security.Member(u.Groups, "base.group_system") || in.Security.Member(u.Groups, "base.group_erp_manager")
}

// checkUsers: active administrators without a second factor (when a 2FA
// provider is given) and active users idle for UserIdleAfter.
func checkUsers(ctx context.Context, in Input) ([]Finding, error) {
	var out []Finding
	if in.TwoFactor == nil {
		out = append(out, Finding{Check: CheckTwoFactorSkip, Severity: Info, ID: "2fa",
			Message: "administrators' second factor not checked: no 2FA provider was given",
			Fix:     "pass identity's two-factor status as Sources.TwoFactor"})
	}
	for _, u := range in.Users {
		if !u.Active || specialLogins[u.Login] {
			continue
		}
		admin := administrator(in, u)
		if admin && in.TwoFactor != nil {
			on, err := in.TwoFactor.Enabled(ctx, u.ID)
			if err != nil {
				return nil, errs.Internalf("lint: 2FA state of user %d: %w", u.ID, err)
			}
			if !on {
				// Medium, not high: Odoo requires no second factor, and the
				// demo's administrator signs in by password over XML-RPC.
				out = append(out, Finding{Check: CheckAdminNo2FA, Severity: Medium, ID: u.Login,
					Message: fmt.Sprintf("administrator %s has no second factor: a password alone gives every right", u.Login),
					Fix:     "enable TOTP for " + u.Login + " (or take the administration groups away)"})
			}
		}
		last, what := u.LastSeen, "last seen"
		if last.IsZero() {
			last, what = u.Created, "never seen; created"
		}
		if last.IsZero() || in.Now.Sub(last) <= UserIdleAfter {
			continue
		}
		sev := Low
		if admin {
			sev = Medium
		}
		out = append(out, Finding{Check: CheckUserIdle, Severity: sev, ID: u.Login,
			Message: fmt.Sprintf("user %s is active but idle for %d days (%s %s)", u.Login, days(in.Now.Sub(last)), what, last.UTC().Format(time.DateOnly)),
			Fix:     "`rampart users disable " + u.Login + "` if the account is no longer needed"})
	}
	return out, nil
}

// sudoFindings lists the most used sudo reasons, to review (info): each
// is code acting beyond the caller's rights.
func sudoFindings(reasons []ReasonCount, since time.Time) []Finding {
	var out []Finding
	window := "in the whole trail"
	if !since.IsZero() {
		window = "since " + since.UTC().Format(time.DateOnly)
	}
	for i, r := range reasons {
		if i == SudoListed {
			rest := 0
			for _, x := range reasons[i:] {
				rest += x.Count
			}
			out = append(out, Finding{Check: CheckSudoReasons, Severity: Info, ID: "(other reasons)",
				Message: fmt.Sprintf("%d other sudo reasons used %d times %s", len(reasons)-i, rest, window),
				Fix:     "`rampart audit search --op sudo` lists them"})
			break
		}
		out = append(out, Finding{Check: CheckSudoReasons, Severity: Info, ID: r.Reason,
			Message: fmt.Sprintf("sudo used %d times %s with reason %q", r.Count, window, r.Reason),
			Fix:     "review that this elevation is still needed and as narrow as it can be"})
	}
	return out
}

package loginpage

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

type fixedToken struct{}

func (fixedToken) Token(*httpd.Request) (string, error) { return "tok", nil }

// refusing refuses every login with err; with aware it implements
// TwoFactorAware, recognising cause.
type refusing struct{ err error }

func (a refusing) Login(*httpd.Request, string, string) (*principal.Principal, error) {
	return nil, a.err
}

type awareRefusing struct {
	refusing
	cause error
}

func (a awareRefusing) TwoFactorRefusal(err error) bool { return errors.Is(err, a.cause) }

// TestTwoFactorMessage: only a refusal the Authenticator marks as a 2FA
// one gets the two-factor message (with the link when a two-factor sign-in
// is configured); any other access denial, or an Authenticator that cannot
// tell, keeps "Wrong login/password".
func TestTwoFactorMessage(t *testing.T) {
	cause := errors.New("2fa")
	tfErr := errs.Wrap(errs.AccessDenied, cause, "use an API key")
	wrong := errs.E(errs.AccessDenied, "Access Denied")
	for _, c := range []struct {
		name     string
		auth     Authenticator
		tfLogin  string
		want     string
		wantLink bool
	}{
		{"2fa, console", awareRefusing{refusing{tfErr}, cause}, "/console/login", msgTwoFactor, true},
		{"2fa, no console", awareRefusing{refusing{tfErr}, cause}, "", msgTwoFactorNoConsole, false},
		{"wrong password, aware", awareRefusing{refusing{wrong}, cause}, "/console/login", "Wrong login/password", false},
		{"2fa cause, authenticator not aware", refusing{tfErr}, "/console/login", "Wrong login/password", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := Routes(Options{Auth: c.auth, CSRF: fixedToken{}, TwoFactorLogin: c.tfLogin})
			form := url.Values{"login": {"alice"}, "password": {"pw"}}
			hr := httptest.NewRequest("POST", "/web/login", strings.NewReader(form.Encode()))
			hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			if _, err := rs[1].Handler(httpd.NewRequest(rs[1], w, hr)); err != nil {
				t.Fatal(err)
			}
			body := w.Body.String()
			if w.Code != http.StatusForbidden || !strings.Contains(body, c.want) {
				t.Fatalf("%d %s", w.Code, body)
			}
			if got := strings.Contains(body, `href="/console/login"`); got != c.wantLink {
				t.Fatalf("link shown: %v: %s", got, body)
			}
		})
	}
}

package audithttp_test

import (
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audithttp"
	"github.com/rampart/rampart/store/storetest"
)

// The admin route of the trail (moved from package audit's TestSearchFor):
// one route, under the admin scope.
func TestAdminRoutes(t *testing.T) {
	tr := audit.New(storetest.SQLite(t), audit.Options{})
	t.Cleanup(func() { tr.Close() })
	if rs := audithttp.AdminRoutes(tr); len(rs) != 1 || rs[0].Scope != audithttp.AdminScope {
		t.Errorf("routes = %+v", rs)
	}
}

package identity_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestSetCompanies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		uid := env.CreateUser(t, "multi")
		if err := env.SetCompanies(ctx, uid, 2, []int64{1, 3}); !errs.Is(err, errs.ValidationError) {
			t.Fatalf("main company outside the allowed ones: %v", err)
		}
		if err := env.SetCompanies(ctx, uid, 2, []int64{1, 2}); err != nil {
			t.Fatal(err)
		}
		p, err := env.Principal(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(p.CompanyIDs)
		if p.CompanyID != 2 || !slices.Equal(p.CompanyIDs, []int64{1, 2}) {
			t.Errorf("principal companies %d %v", p.CompanyID, p.CompanyIDs)
		}
	})
}

package access_test

import (
	"testing"

	"github.com/rampart/rampart/domain"
)

func mustDomain(t testing.TB, s string) domain.Node {
	t.Helper()
	d, err := domain.Parse(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

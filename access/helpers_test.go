package access_test

import (
	"strconv"
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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

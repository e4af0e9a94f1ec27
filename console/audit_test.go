package console

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/audit"
)

// TestChangesOf renders the old -> new shape an entry may carry, at the top
// level or inside a JSON detail, and nothing when there is none.
func TestChangesOf(t *testing.T) {
	want := []change{{Field: "amount", Old: "10", New: "12.5"}, {Field: "name", Old: "A", New: "B"}, {Field: "state", Old: "", New: "sale"}}
	top := map[string]any{"changes": map[string]any{
		"name": map[string]any{"old": "A", "new": "B"}, "amount": map[string]any{"old": 10.0, "new": 12.5},
		"state": map[string]any{"new": "sale"}}}
	if got := changesOf(top); !reflect.DeepEqual(got, want) {
		t.Fatalf("top level: %+v", got)
	}
	nested := map[string]any{"detail": `{"changes": {"name": {"old": "A", "new": "B"}, "amount": {"old": 10, "new": 12.5}, "state": {"new": "sale"}}}`}
	if got := changesOf(nested); !reflect.DeepEqual(got, want) {
		t.Fatalf("in detail: %+v", got)
	}
	if got := changesOf(map[string]any{"detail": "unlink: refused"}); got != nil {
		t.Fatalf("none: %+v", got)
	}
}

// TestExplainLink maps a denied entry's refused method to the operation.
func TestExplainLink(t *testing.T) {
	e := audit.Entry{Op: audit.OpDenied, Login: "alice", Model: "sale.order", IDs: []int64{7}, Detail: "unlink: You are not allowed"}
	if got := explainLink(e); got != "/console/admin/explain?id=7&model=sale.order&op=unlink&user=alice" {
		t.Fatal(got)
	}
	e.Detail = "search_read: refused"
	if got := explainLink(e); got != "/console/admin/explain?id=7&model=sale.order&op=read&user=alice" {
		t.Fatal(got)
	}
	e.Op = audit.OpWrite
	if explainLink(e) != "" {
		t.Fatal("link for a non-denied entry")
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "alice": "alice", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}

package jsonx

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", "quote\" back\\ nl\n tab\t cr\r ctl\x01\x1f", "<a href='x'>&amp;</a>",
		"bad utf8 \xff\xfe end", "line sep \u2028 para \u2029", "é ü 日本 🎉",
		int64(0), int64(-42), int64(math.MaxInt64), 7, int32(-3),
		0.0, 1.5, -2.25, 1e-7, 1e21, 123456789.125, 3.0, 1e-6, 5e-324, math.MaxFloat64,
		[]any{}, []any{int64(1), "two", nil, 3.5, []any{false}},
		[]int64{}, []int64{1, 2, 3}, []string{"a", "<b>"},
		map[string]any{}, map[string]any{"z": int64(1), "a": []any{int64(4), "S00004"}, "m": map[string]any{"k": nil}},
		[]map[string]any{{"id": int64(1), "name": "S0001", "amount_total": 841.5, "user_id": []any{int64(4), "Alice"}}, {"id": int64(2), "state": false}},
		map[string]any{"fallback": struct {
			A int `json:"a"`
		}{1}},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Append(nil, v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got) != string(want) {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
	}
	if _, err := Append(nil, math.Inf(1)); err == nil {
		t.Error("+Inf encoded")
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "<&>", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1, -1.5, 1e-7, 1e21, 1e300, 5e-324} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		want, err := json.Marshal(x)
		got, gerr := appendFloat(nil, x)
		if (err != nil) != (gerr != nil) || err == nil && string(got) != string(want) {
			t.Errorf("%v: got %s (%v) want %s (%v)", x, got, gerr, want, err)
		}
	})
}

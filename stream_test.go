package rampart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
	"github.com/rampart/rampart/store"
)

const streamContacts = 3000

// streamApp serves the demo with answers past 32 KiB streamed and
// streamContacts contacts named "Stream Contact NNNN" to read back.
func streamApp(t *testing.T, pg bool, log io.Writer, routes ...*rampart.Route) *rampartest.App {
	t.Helper()
	app := rampartest.Demo(t, rampartest.Options{Postgres: pg, Log: log, Routes: routes, Config: func(c *config.Config) {
		c.ORM.StreamAbove = 32 << 10
	}})
	admin := app.JSON2(rampartest.Admin)
	for start := 0; start < streamContacts; start += 1000 {
		vals := make([]any, 0, 1000)
		for i := start; i < start+1000; i++ {
			vals = append(vals, map[string]any{"name": fmt.Sprintf("Stream Contact %04d", i), "city": "Lyon", "company_id": 1})
		}
		if st, res, _ := admin.Call(t, "res.partner", "create", map[string]any{"vals_list": vals}); st != 200 {
			t.Fatalf("create: %d %v", st, res)
		}
	}
	return app
}

var streamDomain = []any{[]any{"name", "=like", "Stream Contact %"}}

// post sends a JSON body and returns the response with its body read
// (readErr: the body could not be read whole).
func post(t *testing.T, url, auth string, body any) (resp *http.Response, raw []byte, readErr error) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, readErr = io.ReadAll(resp.Body)
	return resp, raw, readErr
}

// checkContacts asserts recs are the streamContacts contacts in name
// order, their company a bare id when ids is set, else [id, name].
func checkContacts(t *testing.T, what string, recs []any, ids bool) {
	t.Helper()
	if len(recs) != streamContacts {
		t.Fatalf("%s: %d records, want %d", what, len(recs), streamContacts)
	}
	for i, r := range recs {
		m, _ := r.(map[string]any)
		if m["name"] != fmt.Sprintf("Stream Contact %04d", i) || m["city"] != "Lyon" {
			t.Fatalf("%s: record %d is %v", what, i, m)
		}
		switch c := m["company_id"].(type) {
		case float64, int64:
			if !ids {
				t.Fatalf("%s: record %d company %v, want [id, name]", what, i, c)
			}
		case []any:
			if ids || len(c) != 2 {
				t.Fatalf("%s: record %d company %v", what, i, c)
			}
		default:
			t.Fatalf("%s: record %d company %T %v", what, i, c, c)
		}
	}
}

// A "return all" larger than orm.stream_above is written while it is read
// over JSON-2, JSON-RPC and XML-RPC: no Content-Length (chunked), every
// record, in order, load honoured past the first batch too, the same as
// the pages a client would read.
func TestLargeAnswersStream(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			app := streamApp(t, pg, nil)
			key := app.DemoKeys[rampartest.Admin]
			fields := []any{"name", "city", "company_id"}
			resp, raw, err := post(t, app.URL+"/json/2/res.partner/search_read", key,
				map[string]any{"domain": streamDomain, "fields": fields, "order": "name"})
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("json2: %d %v", resp.StatusCode, err)
			}
			if resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "" {
				t.Fatalf("json2: answer of %d bytes sent with a Content-Length: held whole, not streamed", len(raw))
			}
			var all []any
			if err := json.Unmarshal(raw, &all); err != nil {
				t.Fatal(err)
			}
			checkContacts(t, "json2 search_read", all, false)

			// The pages a careful client would read give the same records.
			var paged []any
			for off := 0; off < streamContacts; off += 1000 {
				_, page, _ := app.JSON2(rampartest.Admin).Call(t, "res.partner", "search_read",
					map[string]any{"domain": streamDomain, "fields": fields, "order": "name", "limit": 1000, "offset": off})
				paged = append(paged, page.([]any)...)
			}
			pj, _ := json.Marshal(paged)
			aj, _ := json.Marshal(all)
			if !bytes.Equal(pj, aj) {
				t.Fatal("the streamed answer differs from the pages")
			}

			// read by ids, load=None: bare ids past the first batch too.
			ids := make([]any, len(all))
			for i, r := range all {
				ids[i] = r.(map[string]any)["id"]
			}
			resp, raw, err = post(t, app.URL+"/json/2/res.partner/read", key,
				map[string]any{"ids": ids, "fields": fields, "load": nil})
			var read []any
			if err != nil || resp.StatusCode != 200 || json.Unmarshal(raw, &read) != nil || resp.ContentLength != -1 {
				t.Fatalf("json2 read: %d %v, length %d", resp.StatusCode, err, resp.ContentLength)
			}
			checkContacts(t, "json2 read load=None", read, true)

			// JSON-RPC execute_kw with load '_classic_write'.
			uid := app.UID(t, rampartest.Admin)
			resp, raw, err = post(t, app.URL+"/jsonrpc", "", map[string]any{"jsonrpc": "2.0", "method": "call", "id": 9, "params": map[string]any{
				"service": "object", "method": "execute_kw", "args": []any{app.Config.DBName, uid, key, "res.partner", "search_read",
					[]any{streamDomain}, map[string]any{"fields": fields, "order": "name", "load": "_classic_write"}}}})
			var env struct {
				ID     any   `json:"id"`
				Result []any `json:"result"`
			}
			if err != nil || resp.StatusCode != 200 || json.Unmarshal(raw, &env) != nil || resp.ContentLength != -1 || env.ID != float64(9) {
				t.Fatalf("jsonrpc: %d %v, length %d: %.200s", resp.StatusCode, err, resp.ContentLength, raw)
			}
			checkContacts(t, "jsonrpc search_read", env.Result, true)

			// XML-RPC.
			st, res, fault := app.XMLRPC(t, rampartest.Admin).ExecuteKW(t, "res.partner", "search_read",
				[]any{streamDomain}, map[string]any{"fields": fields, "order": "name"})
			l, _ := res.([]any)
			if st != 200 || fault != "" {
				t.Fatalf("xmlrpc: %d %s", st, fault)
			}
			checkContacts(t, "xmlrpc search_read", l, false)
		})
	}
}

// The byte budget still refuses a streamed answer with a clear error
// before its first byte, in each protocol's shape: the measuring pass
// reads it whole first.
func TestStreamedAnswerOverBudgetRefused(t *testing.T) {
	app := streamApp(t, false, nil)
	app.Registry.Budget.MaxBytes = 96 << 10 // the first 32 KiB fit; the whole does not
	key := app.DemoKeys[rampartest.Admin]
	resp, raw, err := post(t, app.URL+"/json/2/res.partner/search_read", key,
		map[string]any{"domain": streamDomain, "fields": []any{"name", "city", "company_id"}})
	if err != nil || resp.StatusCode != 422 || resp.ContentLength <= 0 ||
		!strings.Contains(string(raw), "orm.max_response_bytes") || !strings.Contains(string(raw), "odoo.exceptions.UserError") {
		t.Fatalf("json2 over budget: %d %v: %.300s", resp.StatusCode, err, raw)
	}
	_, _, fault := app.XMLRPC(t, rampartest.Admin).ExecuteKW(t, "res.partner", "search_read",
		[]any{streamDomain}, map[string]any{"fields": []any{"name", "city", "company_id"}})
	if !strings.Contains(fault, "orm.max_response_bytes") {
		t.Fatalf("xmlrpc over budget: fault %q", fault)
	}
	// Within the budget, the same call is answered.
	_, res, _ := app.JSON2(rampartest.Admin).Call(t, "res.partner", "search_read",
		map[string]any{"domain": streamDomain, "fields": []any{"name"}, "limit": 500})
	if l, _ := res.([]any); len(l) != 500 {
		t.Fatalf("a page within the budget: %d records", len(l))
	}
}

// A database failure after the first byte of a streamed answer cuts the
// connection: the client gets a transport error, never a well-formed
// shorter list; the server logs one error line naming the request, and
// serves the next request normally.
func TestStreamedAnswerFailureCutsTheAnswer(t *testing.T) {
	for _, proto := range []string{"json2", "jsonrpc", "xmlrpc"} {
		t.Run(proto, func(t *testing.T) {
			var log syncBuffer
			app := streamApp(t, false, &log)
			key := app.DemoKeys[rampartest.Admin]
			uid := app.UID(t, rampartest.Admin)
			call := func() (*http.Response, []byte, error) {
				fields := []any{"name", "city"}
				switch proto {
				case "json2":
					return post(t, app.URL+"/json/2/res.partner/search_read", key, map[string]any{"domain": streamDomain, "fields": fields})
				case "jsonrpc":
					return post(t, app.URL+"/jsonrpc", "", map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
						"service": "object", "method": "execute_kw", "args": []any{app.Config.DBName, uid, key, "res.partner", "search_read",
							[]any{streamDomain}, map[string]any{"fields": fields}}}})
				}
				body := `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
					`<param><value><string>` + app.Config.DBName + `</string></value></param>` +
					fmt.Sprintf(`<param><value><int>%d</int></value></param>`, uid) +
					`<param><value><string>` + key + `</string></value></param>` +
					`<param><value><string>res.partner</string></value></param><param><value><string>search_read</string></value></param>` +
					`<param><value><array><data><value><array><data><value><array><data><value><string>name</string></value><value><string>=like</string></value><value><string>Stream Contact %</string></value></data></array></value></data></array></value></data></array></value></param>` +
					`<param><value><struct><member><name>fields</name><value><array><data><value><string>name</string></value><value><string>city</string></value></data></array></value></member></struct></value></param>` +
					`</params></methodCall>`
				resp, err := http.Post(app.URL+"/xmlrpc/2/object", "text/xml", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, err := io.ReadAll(resp.Body)
				return resp, raw, err
			}
			// A dry run counts the batch reads of the contacts; the last one
			// (in the writing pass) is then made to fail.
			var fetches atomic.Int64
			isFetch := func(q string) bool { return strings.Contains(q, `"res_partner" t WHERE t.id `) }
			app.DB.Faults().FailQuery(func(q string) bool {
				if isFetch(q) {
					fetches.Add(1)
				}
				return false
			}, nil)
			if resp, _, err := call(); err != nil || resp.StatusCode != 200 || resp.ContentLength != -1 {
				t.Fatalf("dry run: %v", err)
			}
			n := fetches.Load()
			if n < 4 {
				t.Fatalf("%d batch reads: the answer was not read twice", n)
			}
			app.DB.Faults().Reset()
			var seen atomic.Int64
			app.DB.Faults().FailQuery(func(q string) bool { return isFetch(q) && seen.Add(1) == n }, errors.New("connection reset by peer"))
			log.Reset()
			resp, raw, err := call()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: the failure came before the first byte", resp.StatusCode)
			}
			if err == nil {
				t.Fatalf("the cut answer read as complete (%d bytes): %.200s", len(raw), raw)
			}
			if json.Valid(raw) || bytes.HasSuffix(raw, []byte("</methodResponse>\n")) {
				t.Fatal("the cut answer is well-formed")
			}
			var errLines, accessLines int
			for _, l := range log.lines(t) {
				switch l["msg"] {
				case "answer failed while it was written; connection cut":
					errLines++
					if l["level"] != "ERROR" || l["request_id"] == "" {
						t.Errorf("log line %v", l)
					}
					if s := fmt.Sprint(l); strings.Contains(s, key) {
						t.Error("the log line holds the API key")
					}
				case "request":
					if l["aborted"] == true {
						accessLines++
					}
				}
			}
			if errLines != 1 || accessLines != 1 {
				t.Fatalf("%d error lines, %d aborted access lines; want 1 and 1:\n%v", errLines, accessLines, log.lines(t))
			}
			// The next request is served whole.
			resp, _, err = call()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("after the failure: %d %v", resp.StatusCode, err)
			}
		})
	}
}

// An embedder's route that writes and then answers a large read: the Env
// may have written, so its commit comes before any byte of success — the
// answer is held whole (Content-Length) and committed first, and a failed
// commit is an error, never a streamed 200.
func TestStreamedAnswerOnAWritingEnvCommitsFirst(t *testing.T) {
	route := &rampart.Route{Path: "/t/stream/write", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer, Methods: []string{"POST"},
		Handler: func(r *rampart.Request) (any, error) {
			m, err := r.Env.Model("res.partner")
			if err != nil {
				return nil, err
			}
			if _, err := m.Create([]map[string]any{{"name": "Written Before The Read"}}); err != nil {
				return nil, err
			}
			d, err := domain.FromJSON(streamDomain)
			if err != nil {
				return nil, err
			}
			recs, err := m.SearchReadRecords(d, []string{"name"}, orm.SearchOptions{})
			if err != nil {
				return nil, err
			}
			if !recs.Streamed() {
				return nil, errors.New("test: expected an answer past stream_above")
			}
			return recs.Answer(), nil
		}}
	app := streamApp(t, false, nil, route)
	key := app.DemoKeys[rampartest.Admin]
	count := func() int {
		_, res, _ := app.JSON2(rampartest.Admin).Call(t, "res.partner", "search_count",
			map[string]any{"domain": []any{[]any{"name", "=", "Written Before The Read"}}})
		n, _ := res.(float64)
		return int(n)
	}
	resp, raw, err := post(t, app.URL+"/t/stream/write", key, map[string]any{})
	var recs []any
	if err != nil || resp.StatusCode != 200 || resp.ContentLength <= 0 || json.Unmarshal(raw, &recs) != nil || len(recs) != streamContacts {
		t.Fatalf("writing route: %d %v, length %d, %d records", resp.StatusCode, err, resp.ContentLength, len(recs))
	}
	if count() != 1 {
		t.Fatal("the write before the answer was not committed")
	}
	// The trail's own background commits are done first: the armed fault
	// is the request's.
	if err := app.Audit.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	app.DB.Faults().FailNext(store.FaultCommit, errors.New("disk full"), 1)
	resp, raw, _ = post(t, app.URL+"/t/stream/write", key, map[string]any{})
	if resp.StatusCode < 500 || strings.Contains(string(raw), "Stream Contact") {
		t.Fatalf("failed commit answered %d: %.200s", resp.StatusCode, raw)
	}
	if count() != 1 {
		t.Fatal("a failed commit left its write")
	}
}

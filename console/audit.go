package console

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
)

// The audit pages call audit.Trail.Search, as `rampart audit search` and
// POST /rampart/admin/audit/search do.

const auditPage = 50

type auditQuery struct {
	Login, Model, Op, Record, Since, Until string
}

type auditRow struct {
	audit.Entry
	// Explain links a refusal to the explanation of the same access.
	Explain string
}

type auditData struct {
	Q        auditQuery
	Ops      []audit.Op
	Rows     []auditRow
	Next     string // URL of the next (older) page, "" at the end
	ExportQS string
}

// filter reads the query's filters.
func (c *Console) filter(q url.Values) (audit.Filter, auditQuery, error) {
	aq := auditQuery{Login: strings.TrimSpace(q.Get("login")), Model: strings.TrimSpace(q.Get("model")),
		Op: q.Get("op"), Record: strings.TrimSpace(q.Get("record")), Since: q.Get("since"), Until: q.Get("until")}
	f := audit.Filter{Login: aq.Login, Model: aq.Model, Op: audit.Op(aq.Op)}
	if aq.Record != "" {
		id, err := strconv.ParseInt(aq.Record, 10, 64)
		if err != nil || id <= 0 {
			return f, aq, errs.E(errs.ValidationError, "The record is an id (a positive number).")
		}
		f.RecordID = id
	}
	var err error
	if f.Since, err = parseWhen(aq.Since); err != nil {
		return f, aq, err
	}
	if f.Until, err = parseWhen(aq.Until); err != nil {
		return f, aq, err
	}
	if b := q.Get("before"); b != "" {
		if f.BeforeID, err = strconv.ParseInt(b, 10, 64); err != nil || f.BeforeID <= 0 {
			return f, aq, errs.E(errs.ValidationError, "Invalid page.")
		}
	}
	return f, aq, f.Validate()
}

// parseWhen reads a date or a datetime-local value, in UTC.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errs.Ef(errs.ValidationError, "Invalid time %q: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).", s)
}

func (q auditQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"login": q.Login, "model": q.Model, "op": q.Op, "record": q.Record, "since": q.Since, "until": q.Until} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// explainLink is the explain page for a denied entry: who, which model,
// which operation (from the refused method), which record.
func explainLink(e audit.Entry) string {
	if e.Op != audit.OpDenied || e.Model == "" || e.Login == "" {
		return ""
	}
	method, _, _ := strings.Cut(e.Detail, ":")
	op := "read"
	switch strings.TrimSpace(method) {
	case "write", "create", "unlink":
		op = strings.TrimSpace(method)
	}
	v := url.Values{"user": {e.Login}, "model": {e.Model}, "op": {op}}
	if len(e.IDs) > 0 {
		v.Set("id", strconv.FormatInt(e.IDs[0], 10))
	}
	return Prefix + "/admin/explain?" + v.Encode()
}

func (c *Console) adminAudit(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	d := auditData{Ops: audit.Ops()}
	f, aq, err := c.filter(r.HTTP.URL.Query())
	d.Q = aq
	if err != nil {
		status, msg, ok := pageErr(err)
		if !ok {
			return nil, err
		}
		return c.render(r, status, "audit", view{Title: "Audit", Nav: "audit", Error: msg, Data: d})
	}
	f.Limit = auditPage + 1 // one more tells whether there is a next page
	es, err := c.o.Audit.Search(r.HTTP.Context(), f)
	if err != nil {
		return nil, err
	}
	more := len(es) > auditPage
	if more {
		es = es[:auditPage]
	}
	for _, e := range es {
		d.Rows = append(d.Rows, auditRow{Entry: e, Explain: explainLink(e)})
	}
	v := aq.values()
	d.ExportQS = v.Encode()
	if more {
		v.Set("before", strconv.FormatInt(es[len(es)-1].ID, 10))
		d.Next = Prefix + "/admin/audit?" + v.Encode()
	}
	return c.render(r, http.StatusOK, "audit", view{Title: "Audit", Nav: "audit", Data: d})
}

type field struct {
	Name  string
	Value string
}

type change struct {
	Field, Old, New string
}

type entryData struct {
	ID      int64
	Fields  []field
	Changes []change
	Explain string
}

// adminAuditEntry shows every field the entry carries, whatever its
// version of the trail adds (it is rendered from its JSON form), and, when
// it carries {"changes": {field: {"old": …, "new": …}}}, the old → new
// values as a table.
func (c *Console) adminAuditEntry(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	es, err := c.o.Audit.Search(r.HTTP.Context(), audit.Filter{BeforeID: id + 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(es) != 1 || es[0].ID != id {
		return nil, errs.E(errs.NotFound, "No such audit entry.")
	}
	d := entryData{ID: id, Explain: explainLink(es[0])}
	b, err := json.Marshal(es[0])
	if err != nil {
		return nil, errs.Internalf("audit entry: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, errs.Internalf("audit entry: %w", err)
	}
	d.Changes = changesOf(m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.Fields = append(d.Fields, field{Name: k, Value: text(m[k])})
	}
	return c.render(r, http.StatusOK, "entry", view{Title: fmt.Sprintf("Audit entry %d", id), Nav: "audit", Data: d})
}

// changesOf finds {"changes": {...}} at the top level or inside a JSON
// object carried as text (e.g. in detail).
func changesOf(m map[string]any) []change {
	var ch map[string]any
	if x, ok := m["changes"].(map[string]any); ok {
		ch = x
	} else {
		for _, v := range m {
			if s, ok := v.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "{") {
				var inner map[string]any
				if json.Unmarshal([]byte(s), &inner) == nil {
					if x, ok := inner["changes"].(map[string]any); ok {
						ch = x
						break
					}
				}
			}
		}
	}
	var out []change
	for f, v := range ch {
		c := change{Field: f}
		if ov, ok := v.(map[string]any); ok {
			c.Old, c.New = text(ov["old"]), text(ov["new"])
		} else {
			c.New = text(v)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// adminAuditExport streams every entry matching the filters (all pages,
// newest first) as JSON lines or CSV.
func (c *Console) adminAuditExport(r *httpd.Request) (any, error) {
	p, redirect, err := c.admin(r)
	if p == nil {
		return redirect, err
	}
	q := r.HTTP.URL.Query()
	f, _, err := c.filter(q)
	if err != nil {
		return nil, err
	}
	format := q.Get("format")
	if format != "jsonl" && format != "csv" {
		return nil, errs.E(errs.ValidationError, "format is jsonl or csv")
	}
	ctx := r.HTTP.Context()
	// Read the first page before writing anything, so an error is still
	// an error page.
	f.Limit = 1000
	es, err := c.o.Audit.Search(ctx, f)
	if err != nil {
		return nil, err
	}
	h := r.Header()
	h.Set("Cache-Control", "no-store")
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/jsonl")
	}
	h.Set("Content-Disposition", `attachment; filename="audit.`+format+`"`)
	r.W.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(r.W)
	cw := csv.NewWriter(bw)
	if format == "csv" {
		_ = cw.Write([]string{"id", "time", "user_id", "login", "real_user_id", "op", "model", "ids", "fields", "reason", "route", "request_id", "client_ip", "detail"})
	}
	enc := json.NewEncoder(bw)
	for len(es) > 0 {
		for _, e := range es {
			if format == "csv" {
				_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.UTC().Format(time.RFC3339Nano), strconv.FormatInt(e.UserID, 10), csvSafe(e.Login),
					strconv.FormatInt(e.RealUserID, 10), string(e.Op), csvSafe(e.Model), joinIDs(e.IDs), csvSafe(strings.Join(e.Fields, " ")),
					csvSafe(e.Reason), csvSafe(e.Route), csvSafe(e.RequestID), csvSafe(e.ClientIP), csvSafe(e.Detail)})
			} else if err := enc.Encode(e); err != nil {
				return httpd.Written, nil // the client went away
			}
		}
		cw.Flush()
		if len(es) < f.Limit {
			break
		}
		f.BeforeID = es[len(es)-1].ID
		if es, err = c.o.Audit.Search(ctx, f); err != nil {
			// Headers are sent: end the body; the log has the error.
			r.Log.Error("console: audit export", "err", err)
			break
		}
	}
	cw.Flush()
	_ = bw.Flush()
	return httpd.Written, nil
}

// csvSafe defuses spreadsheet formulas (a login or detail starting with
// = + - @ would be evaluated when the export is opened).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, " ")
}

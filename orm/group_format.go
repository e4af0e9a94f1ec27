package orm

import (
	"regexp"
	"strings"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
)

// The public grouping methods (Odoo 19): read_group (deprecated, still
// what most clients call), formatted_read_group and web_read_group. Each
// is Group (the access-checked _read_group) plus Odoo's formatting.

// parseDomainJSON converts a JSON-form domain; a malformed one is the
// client's mistake, with the parser's message.
func parseDomainJSON(v []any) (domain.Node, error) {
	n, err := domain.FromJSON(v)
	if err != nil {
		if e, ok := err.(*errs.Error); ok {
			return nil, e
		}
		return nil, errs.Wrap(errs.ValidationError, err, "Invalid domain: "+err.Error())
	}
	return n, nil
}

// groupRange is a date group's period: [from, to) in the field's format.
func groupRange(f *Field, gran, start string) (from, to string, label string, ok bool) {
	t, err := time.Parse(DateLayout, start)
	if err != nil {
		return "", "", "", false
	}
	var end time.Time
	switch gran {
	case "day":
		end, label = t.AddDate(0, 0, 1), t.Format("02 Jan 2006")
	case "week":
		y, w := t.ISOWeek()
		// Odoo's label: f"W{week} {year:04}" (no zero padding of the week).
		end, label = t.AddDate(0, 0, 7), "W"+itoa(int64(w))+" "+pad4(y)
	case "month":
		end, label = t.AddDate(0, 1, 0), t.Format("January 2006")
	case "quarter":
		end, label = t.AddDate(0, 3, 0), "Q"+itoa(int64((int(t.Month())-1)/3+1))+" "+pad4(t.Year())
	default:
		end, label = t.AddDate(1, 0, 0), pad4(t.Year())
	}
	layout := DateLayout
	if f.Type == Datetime {
		layout = DatetimeLayout
	}
	return t.Format(layout), end.Format(layout), label, true
}

func pad4(y int) string {
	s := itoa(int64(y))
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

// andDomains is Odoo's expression.AND on JSON-form domains: empty ones
// are dropped, each is normalized, and n parts get n-1 leading '&'.
func andDomains(parts ...[]any) []any {
	var keep [][]any
	for _, p := range parts {
		if len(p) > 0 {
			keep = append(keep, normalizeDomain(p))
		}
	}
	out := []any{}
	for i := 1; i < len(keep); i++ {
		out = append(out, "&")
	}
	for _, p := range keep {
		out = append(out, p...)
	}
	return out
}

// normalizeDomain makes a domain's implicit ANDs explicit (Odoo's
// normalize_domain).
func normalizeDomain(d []any) []any {
	if len(d) == 0 {
		return d
	}
	var out []any
	expected := 1
	for _, tok := range d {
		if expected == 0 {
			out = append([]any{"&"}, out...)
			expected = 1
		}
		if s, ok := tok.(string); ok {
			switch s {
			case "!":
			case "&", "|":
				expected++
			}
		} else {
			expected--
		}
		out = append(out, tok)
	}
	return out
}

// groupKey formats one group key as formatted_read_group answers it and
// returns the domain of the group's records.
// A many2many group's domain is (field, '=', id), its False group's
// Odoo 19's (field, 'not any', [(1, '=', 1)]): no linked record the
// caller may read (the comodel's rules apply in the sub-query, as they
// did in the grouping join; '=' False would test for no link at all).
func (g *groupTerm) format(v any, names map[int64]any) (any, []any) {
	f := g.field
	leaf := func(op string, val any) []any { return []any{[]any{g.name, op, val}} }
	switch {
	case v == nil && f.Type == Many2many:
		return false, leaf("not any", []any{[]any{int64(1), "=", int64(1)}})
	case v == nil:
		return false, leaf("=", false)
	case f.Type == Many2one || f.Type == Many2many:
		id := v.(int64)
		return []any{id, names[id]}, leaf("=", id)
	case g.gran != "":
		from, to, label, ok := groupRange(f, g.gran, v.(string))
		if !ok {
			return false, leaf("=", false)
		}
		return []any{from, label}, []any{"&", []any{g.name, ">=", from}, []any{g.name, "<", to}}
	}
	return v, leaf("=", v)
}

// emptyAgg is Odoo's _read_group_empty_value for an aggregate that found
// nothing.
func emptyAgg(a *aggTerm) any {
	switch a.fn {
	case "count", "count_distinct":
		return int64(0)
	case "array_agg":
		return []any{}
	}
	return false
}

// FormattedReadGroup is Odoo 19's formatted_read_group(domain, groupby,
// aggregates, having, offset, limit, order): one dict per group with the
// groupby values (many2one [id, name], date periods [start, label]), the
// aggregates by spec and __extra_domain.
func (m *Model) FormattedReadGroup(dom []any, groupby, aggregates []string, having []any, offset, limit int, order string) ([]map[string]any, error) {
	return m.formattedReadGroup("formatted_read_group", dom, groupby, aggregates, having, offset, limit, order)
}

func (m *Model) formattedReadGroup(method string, dom []any, groupby, aggregates []string, having []any, offset, limit int, order string) ([]map[string]any, error) {
	n, err := parseDomainJSON(dom)
	if err != nil {
		return nil, err
	}
	aggs := make([]string, len(aggregates))
	for i, a := range aggregates {
		aggs[i] = strings.Replace(a, ":recordset", ":array_agg", 1)
	}
	gs, as, rows, names, err := m.groupRows(GroupQuery{Domain: n, GroupBy: groupby, Aggregates: aggs, Having: having,
		Offset: offset, Limit: limit, Order: order, Method: method})
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		g := make(map[string]any, len(groupby)+len(aggs)+1)
		var doms [][]any
		for i, gt := range gs {
			v, d := gt.format(r.Keys[i], names[i])
			g[gt.spec] = v
			doms = append(doms, d)
		}
		g["__extra_domain"] = andDomains(doms...)
		for i, a := range as {
			v := r.Aggs[i]
			if v == nil {
				v = emptyAgg(a)
			}
			g[aggs[i]] = v
		}
		out = append(out, g)
	}
	// array_agg can make a few groups large: the byte budget holds.
	if err := m.meter(method).add(out); err != nil {
		return nil, err
	}
	return out, nil
}

// groupRows runs Group and returns the parsed terms and many2one names
// along with the rows.
func (m *Model) groupRows(gq GroupQuery) ([]*groupTerm, []*aggTerm, []GroupRow, map[int]map[int64]any, error) {
	rows, err := m.Group(gq)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tx, err := m.env.Tx()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// Group validated the specs; parse them again for their metadata.
	gs, err := m.parseGroupBys(gq.Method, gq.GroupBy, tx.Dialect())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	as := make([]*aggTerm, len(gq.Aggregates))
	for i, s := range gq.Aggregates {
		if as[i], err = m.parseAggregate(gq.Method, s, tx.Dialect()); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	fields := make([]*Field, len(gs))
	for i, g := range gs {
		fields[i] = g.field
	}
	names, err := m.groupNames(rows, fields)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return gs, as, rows, names, nil
}

// fieldAggRE is read_group's field specification: "name",
// "name:func" or "alias:func(name)".
var fieldAggRE = regexp.MustCompile(`^(\w+)(?::(\w+)(?:\((\w+)\))?)?$`)

// defaultAggregator is fields_get's aggregator: numbers sum.
func defaultAggregator(f *Field) string {
	switch f.Type {
	case Integer, Float, Monetary:
		if f.Name != "id" {
			return "sum"
		}
	}
	return ""
}

// ReadGroup is Odoo's read_group(domain, fields, groupby, offset, limit,
// orderby, lazy) (deprecated in Odoo 19 but what most clients call): one
// dict per group with the groupby values (many2one [id, name], date
// periods as labels, with __range), the aggregated fields, the count
// (<field>_count when lazy with one groupby, else __count), __domain and,
// when lazy leaves groupbys for later, __context.
func (m *Model) ReadGroup(dom []any, fields, groupby []string, offset, limit int, orderby string, lazy bool) ([]map[string]any, error) {
	const method = "read_group"
	n, err := parseDomainJSON(dom)
	if err != nil {
		return nil, err
	}
	lazyGroupby := groupby
	if lazy && len(groupby) > 1 {
		lazyGroupby = groupby[:1]
	}
	type named struct{ name, spec string }
	var gby []named
	for _, s := range lazyGroupby {
		name := strings.SplitN(s, ":", 2)[0]
		spec := s
		if f := m.pathField(name); f != nil && (f.Type == Date || f.Type == Datetime) && !strings.Contains(s, ":") {
			spec = s + ":month" // Odoo's default granularity
		}
		gby = append(gby, named{s, spec})
	}
	countKey := "__count"
	if lazy && len(lazyGroupby) == 1 {
		countKey = strings.SplitN(lazyGroupby[0], ":", 2)[0] + "_count"
	}
	aggs := []named{{countKey, "__count"}}
	inGroupby := map[string]bool{}
	for _, g := range gby {
		inGroupby[g.name] = true
	}
	for _, fs := range fields {
		if fs == "__count" {
			continue
		}
		mt := fieldAggRE.FindStringSubmatch(fs)
		if mt == nil {
			return nil, specError(m.meta.Name, fs, `expected "field", "field:function" or "name:function(field)"`)
		}
		name, fn, fname := mt[1], mt[2], mt[3]
		switch {
		case fname != "":
			aggs = append(aggs, named{name, fname + ":" + fn})
		case fn != "":
			aggs = append(aggs, named{name, name + ":" + fn})
		default:
			f, ok := m.meta.fields[name]
			if !ok {
				return nil, specError(m.meta.Name, fs, "unknown field of "+m.meta.Name)
			}
			if agg := defaultAggregator(f); agg != "" && f.Stored() && !inGroupby[fs] {
				aggs = append(aggs, named{name, name + ":" + agg})
			}
		}
	}
	// Odoo keys the aggregates by name: a later spec of the same name wins.
	var uniq []named
	for i, a := range aggs {
		dup := false
		for _, b := range aggs[i+1:] {
			dup = dup || b.name == a.name
		}
		if !dup {
			uniq = append(uniq, a)
		}
	}
	aggs = uniq
	// The order names fields: a groupby field means its spec, an
	// aggregated field its aggregate (as Odoo's compatibility layer).
	if orderby != "" {
		var terms []string
		for _, term := range strings.Split(orderby, ",") {
			term = strings.TrimSpace(term)
			replaced := false
			for i := len(gby) - 1; i >= 0 && !replaced; i-- {
				key := strings.SplitN(gby[i].name, ":", 2)[0]
				if term == key || strings.HasPrefix(term, key+" ") {
					term, replaced = gby[i].spec+term[len(key):], true
				}
			}
			for _, a := range aggs {
				if replaced {
					break
				}
				if term == a.name || strings.HasPrefix(term, a.name+" ") {
					term, replaced = a.spec+term[len(a.name):], true
				}
			}
			terms = append(terms, term)
		}
		orderby = strings.Join(terms, ",")
	}
	gspecs := make([]string, len(gby))
	for i, g := range gby {
		gspecs[i] = g.spec
	}
	aspecs := make([]string, len(aggs))
	for i, a := range aggs {
		aspecs[i] = a.spec
	}
	gs, as, rows, names, err := m.groupRows(GroupQuery{Domain: n, GroupBy: gspecs, Aggregates: aspecs,
		Offset: offset, Limit: limit, Order: orderby, Method: method})
	if err != nil {
		return nil, err
	}
	byspec := map[string]int{}
	for i, g := range gs {
		byspec[g.spec] = i
	}
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		g := map[string]any{}
		doms := [][]any{dom}
		for _, gb := range gby {
			i := byspec[gb.spec]
			gt := gs[i]
			v, d := gt.format(r.Keys[i], names[i])
			if gt.gran != "" {
				rng := map[string]any{}
				if g["__range"] != nil {
					rng = g["__range"].(map[string]any)
				}
				if pair, ok := v.([]any); ok {
					from, to, _, _ := groupRange(gt.field, gt.gran, r.Keys[i].(string))
					v = pair[1]
					rng[gb.name] = map[string]any{"from": from, "to": to}
				} else {
					rng[gb.name] = false
				}
				g["__range"] = rng
			}
			g[gb.name] = v
			doms = append(doms, d)
		}
		for i, a := range aggs {
			v := r.Aggs[i]
			if v == nil {
				v = emptyAgg(as[i])
			}
			g[a.name] = v
		}
		g["__domain"] = andDomains(doms...)
		if len(lazyGroupby) < len(groupby) {
			g["__context"] = map[string]any{"group_by": append([]string{}, groupby[len(lazyGroupby):]...)}
		}
		out = append(out, g)
	}
	if err := m.meter(method).add(out); err != nil {
		return nil, err
	}
	return out, nil
}

// WebReadGroup is Odoo 19's web_read_group(domain, groupby, aggregates,
// limit, offset, order): {"groups": the first level's
// formatted_read_group (with __count), "length": the number of groups}.
// Opening groups (auto_unfold, opening_info) is the web client's and is
// not served: those arguments are refused by the RPC layer.
func (m *Model) WebReadGroup(dom []any, groupby, aggregates []string, limit, offset int, order string) (map[string]any, error) {
	const method = "web_read_group"
	if len(groupby) == 0 {
		return nil, errs.Validation("web_read_group needs at least one groupby")
	}
	aggs := append([]string{}, aggregates...)
	hasCount := false
	for _, a := range aggs {
		hasCount = hasCount || a == "__count"
	}
	if !hasCount {
		aggs = append(aggs, "__count")
	}
	first := []string{groupby[0]}
	order = webGroupOrder(order, first, aggs)
	groups, err := m.formattedReadGroup(method, dom, first, aggs, nil, offset, limit, order)
	if err != nil {
		return nil, err
	}
	length := int64(len(groups) + offset)
	switch {
	case len(groups) == 0:
		length = 0
	case limit > 0 && len(groups) == limit:
		n, err := parseDomainJSON(dom)
		if err != nil {
			return nil, err
		}
		rest, err := m.Group(GroupQuery{Domain: n, GroupBy: first, Aggregates: []string{"__count"}, Offset: limit, Method: method})
		if err != nil {
			return nil, err
		}
		length = int64(limit + len(rest))
	}
	return map[string]any{"groups": groups, "length": length}, nil
}

// webGroupOrder is Odoo's _get_read_group_order: the order's field names
// turned into groupby or aggregate specs, the groupby specs appended.
func webGroupOrder(order string, groupby, aggregates []string) string {
	if strings.TrimSpace(order) == "" {
		return strings.Join(groupby, ", ")
	}
	rest := append([]string{}, groupby...)
	var spec []string
	for _, part := range strings.Split(order, ",") {
		words := strings.Fields(part)
		if len(words) == 0 {
			continue
		}
		name, dir := words[0], strings.Join(words[1:], " ")
		if dir == "" {
			dir = "ASC"
		}
		if name == "__count" {
			spec = append(spec, name+" "+dir)
			continue
		}
		for i, g := range rest {
			if g == name || strings.HasPrefix(g, name+":") {
				rest = append(rest[:i:i], rest[i+1:]...)
				spec = append(spec, g+" "+dir)
				break
			}
		}
		for _, a := range aggregates {
			if strings.HasPrefix(a, name+":") {
				spec = append(spec, a+" "+dir)
				break
			}
		}
	}
	return strings.Join(append(spec, rest...), ", ")
}

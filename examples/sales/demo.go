package sales

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
)

// demoCompanyNames are the two demo companies, created by EnsureCompanies.
func demoCompanyNames() []string { return []string{"YourCompany", "My Belgian Company"} }

// Salesperson is a demo user who owns orders.
type Salesperson struct {
	// UserID is the res.users id (users belong to package identity).
	UserID int64
	// CompanyID is the company the user sells for: one of the ids
	// EnsureCompanies returned.
	CompanyID int64
}

// DemoOptions tune LoadDemo.
type DemoOptions struct {
	// Seed makes the data reproducible (default 1).
	Seed uint64
	// Orders is the number of sales orders (default 300).
	Orders int
	// Salespeople own the orders, round robin within their company. Orders
	// of a company without salespeople have no user_id.
	Salespeople []Salesperson
	// Start is the date of the oldest order (default 2026-01-01 UTC).
	Start time.Time
}

// Demo says what LoadDemo created.
type Demo struct {
	Companies []int64
	// Customers are the customer partners: companies and their contacts.
	Customers []int64
	Products  []int64
	Orders    []int64
	// AlreadyLoaded is set when the database held sales orders already:
	// nothing was created (only Companies is filled in).
	AlreadyLoaded bool
}

// sudoReason is written to the audit trail with every demo write.
const sudoReason = "demo data: loading the sales demo app"

// EnsureCompanies returns the ids of the two demo companies, creating them
// (each with its partner) when missing. The server calls it before
// creating the demo users, whose company_id must name them.
func EnsureCompanies(env *orm.Env) ([]int64, error) {
	env = env.Sudo(sudoReason)
	companies, err := env.Model("res.company")
	if err != nil {
		return nil, err
	}
	partners, err := env.Model("res.partner")
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, 2)
	for _, name := range demoCompanyNames() {
		found, err := companies.Search(domain.Condition{Field: "name", Operator: "=", Value: name}, orm.SearchOptions{Limit: 1, Order: "id"})
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			ids = append(ids, found[0])
			continue
		}
		cid, err := companies.Create([]map[string]any{{"name": name}})
		if err != nil {
			return nil, err
		}
		pid, err := partners.Create([]map[string]any{{"name": name, "is_company": true, "company_id": cid[0]}})
		if err != nil {
			return nil, err
		}
		if err := companies.Write(cid, map[string]any{"partner_id": pid[0]}); err != nil {
			return nil, err
		}
		ids = append(ids, cid[0])
	}
	return ids, nil
}

// LoadDemo fills env's database with deterministic demo data: the two
// companies, customer companies with their contacts, products, and
// opts.Orders sales orders with 1–4 lines each, owned by the salespeople.
// It works under sudo (audited with a reason) and does nothing when sales
// orders exist already. The caller commits with env.Finish.
func LoadDemo(env *orm.Env, opts DemoOptions) (*Demo, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Orders <= 0 {
		opts.Orders = 300
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	companies, err := EnsureCompanies(env)
	if err != nil {
		return nil, err
	}
	d := &Demo{Companies: companies}
	env = env.Sudo(sudoReason)
	orders, err := env.Model("sale.order")
	if err != nil {
		return nil, err
	}
	n, err := orders.SearchCount(nil, 1)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		d.AlreadyLoaded = true
		return d, nil
	}
	for _, sp := range opts.Salespeople {
		if sp.CompanyID != companies[0] && sp.CompanyID != companies[1] {
			return nil, errs.Ef(errs.BadRequest, "demo salesperson %d: company %d is not a demo company", sp.UserID, sp.CompanyID)
		}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	if d.Customers, err = createCustomers(env); err != nil {
		return nil, err
	}
	catalog, err := createProducts(env, d)
	if err != nil {
		return nil, err
	}
	vals := make([]map[string]any, opts.Orders)
	counters := map[int64]int{}
	for i := range vals {
		company := companies[rng.IntN(len(companies))]
		var sellers []int64
		for _, sp := range opts.Salespeople {
			if sp.CompanyID == company {
				sellers = append(sellers, sp.UserID)
			}
		}
		o := map[string]any{
			"name":       fmt.Sprintf("S%05d", i+1),
			"partner_id": d.Customers[rng.IntN(len(d.Customers))],
			"company_id": company,
			"state":      pickState(rng),
			"date_order": opts.Start.Add(time.Duration(i)*6*time.Hour + time.Duration(rng.IntN(3600))*time.Second),
		}
		if len(sellers) > 0 {
			o["user_id"] = sellers[counters[company]%len(sellers)]
			counters[company]++
		}
		// Subtotals and totals are computed by the model's triggers.
		var lines []any
		for range 1 + rng.IntN(4) {
			p := rng.IntN(len(d.Products))
			lines = append(lines, []any{0, 0, map[string]any{
				"product_id": d.Products[p], "name": catalog[p].name, "product_uom_qty": float64(1 + rng.IntN(10)),
				"price_unit": catalog[p].price, "company_id": company,
			}})
		}
		o["order_line"] = lines
		vals[i] = o
	}
	if d.Orders, err = orders.Create(vals); err != nil {
		return nil, err
	}
	return d, nil
}

// pickState spreads orders over the states, mostly confirmed.
func pickState(rng *rand.Rand) string {
	switch r := rng.IntN(10); {
	case r < 5:
		return "sale"
	case r < 7:
		return "draft"
	case r < 9:
		return "sent"
	default:
		return "cancel"
	}
}

type customer struct{ company, contact1, contact2 string }

// customers are the demo customer companies, each with two contacts.
func customers() []customer {
	return []customer{
		{"Azure Interior", "Brandon Freeman", "Nicole Ford"},
		{"Deco Addict", "Addison Olson", "Douglas Fletcher"},
		{"Gemini Furniture", "Edwin Hansen", "Jesse Brown"},
		{"Lumber Inc", "Lorraine Douglas", "Oscar Morgan"},
		{"Ready Mat", "Billy Fox", "Kim Snyder"},
		{"The Jackson Group", "Toni Rhodes", "Gordon Owens"},
		{"Wood Corner", "Willie Burke", "Ron Gibson"},
		{"Acme Corporation", "Colleen Diaz", "Travis Mendoza"},
	}
}

func createCustomers(env *orm.Env) ([]int64, error) {
	partners, err := env.Model("res.partner")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range customers() {
		email := func(name string) string { return fmt.Sprintf("%s@example.com", slug(name)) }
		id, err := partners.Create([]map[string]any{{
			"name": c.company, "is_company": true, "email": email(c.company),
			"child_ids": []any{
				[]any{0, 0, map[string]any{"name": c.contact1, "email": email(c.contact1)}},
				[]any{0, 0, map[string]any{"name": c.contact2, "email": email(c.contact2)}},
			},
		}})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id[0])
		kids, err := partners.Search(domain.Condition{Field: "parent_id", Operator: "=", Value: id[0]}, orm.SearchOptions{Order: "id"})
		if err != nil {
			return nil, err
		}
		ids = append(ids, kids...)
	}
	return ids, nil
}

func slug(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c == ' ':
			b = append(b, '.')
		}
	}
	return string(b)
}

type product struct {
	name, code string
	price      float64
}

// products are the demo products with their list prices.
func products() []product {
	return []product{
		{"Office Chair", "FURN_7777", 70},
		{"Office Desk", "FURN_8888", 180},
		{"Desk Lamp", "FURN_1118", 25.5},
		{"Cabinet with Doors", "FURN_8220", 140},
		{"Conference Table", "FURN_6741", 1250},
		{"Drawer Black", "FURN_0002", 25},
		{"Large Meeting Table", "FURN_6666", 4000},
		{"Storage Box", "FURN_5555", 15.8},
		{"Acoustic Bloc Screens", "FURN_6600", 295},
		{"Corner Desk Right Sit", "FURN_0001", 147},
	}
}

func createProducts(env *orm.Env, d *Demo) ([]product, error) {
	model, err := env.Model("product.product")
	if err != nil {
		return nil, err
	}
	list := products()
	vals := make([]map[string]any, len(list))
	for i, p := range list {
		vals[i] = map[string]any{"name": p.name, "default_code": p.code, "list_price": p.price}
	}
	d.Products, err = model.Create(vals)
	return list, err
}

package orm

import (
	"cmp"
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart/rampart/store"
)

// isoData is the ISO 3166 and 4217 reference data (see isodata/README.md).
//
//go:embed isodata/*.csv
var isoData embed.FS

// geoModels are res.country, res.country.state and res.currency, with
// Odoo's names and orders; their rows come from isoData.
func geoModels() []ModelDef {
	return []ModelDef{
		{
			Name: "res.currency", Description: "Currency", Order: "active desc, name", Source: "builtin",
			Fields: []Field{
				{Name: "name", Type: Char, String: "Currency", Required: true, Size: 3, Index: true, Help: "Currency Code (ISO 4217)"},
				{Name: "full_name", Type: Char, String: "Name"},
				{Name: "symbol", Type: Char, String: "Symbol"},
				{Name: "iso_numeric", Type: Integer, String: "Currency numeric code"},
				{Name: "rounding", Type: Float, String: "Rounding Factor", Default: 0.01},
				{Name: "decimal_places", Type: Integer, String: "Decimal Places", Default: int64(2)},
				{Name: "active", Type: Boolean, String: "Active", Default: true},
			},
		},
		{
			Name: "res.country", Description: "Country", Order: "name, id", Source: "builtin",
			Fields: []Field{
				{Name: "name", Type: Char, String: "Country Name", Required: true},
				{Name: "code", Type: Char, String: "Country Code", Size: 2, Index: true, Help: "The ISO country code in two chars."},
				{Name: "currency_id", Type: Many2one, Comodel: "res.currency", String: "Currency", OnDelete: SetNull},
				{Name: "state_ids", Type: One2many, Comodel: "res.country.state", Inverse: "country_id", String: "States"},
			},
		},
		{
			Name: "res.country.state", Description: "Country state", Order: "code, id", Source: "builtin",
			Fields: []Field{
				{Name: "country_id", Type: Many2one, Comodel: "res.country", String: "Country", Required: true, OnDelete: Cascade, Index: true},
				{Name: "name", Type: Char, String: "State Name", Required: true},
				{Name: "code", Type: Char, String: "State Code", Required: true},
			},
		},
	}
}

// partnerContactFields are Odoo's common contact fields of res.partner
// beyond the hierarchy ones.
func partnerContactFields() []Field {
	return []Field{
		// The users whose contact this is (res.users.partner_id's inverse).
		{Name: "user_ids", Type: One2many, Comodel: "res.users", Inverse: "partner_id", String: "Users"},
		// Odoo's partner_share: no active internal user has this contact
		// as its partner. Stored and maintained by the database itself
		// (partnershare.go) so that it cannot drift from res_users.
		{
			Name: "partner_share", Type: Boolean, String: "Share Partner", Readonly: true, Maintained: true, Index: true,
			Help: "Either customer (not a user), either shared user. Indicated the current partner is a customer without access or with a limited access created for sharing data.",
		},
		{Name: "type", Type: Selection, String: "Address Type", Selection: [][2]string{
			{"contact", "Contact"}, {"invoice", "Invoice Address"}, {"delivery", "Delivery Address"}, {"other", "Other Address"}}, Default: "contact"},
		{Name: "street", Type: Char, String: "Street"},
		{Name: "street2", Type: Char, String: "Street2"},
		{Name: "zip", Type: Char, String: "Zip", Size: 24},
		{Name: "city", Type: Char, String: "City"},
		{Name: "state_id", Type: Many2one, Comodel: "res.country.state", String: "State", OnDelete: Restrict},
		{Name: "country_id", Type: Many2one, Comodel: "res.country", String: "Country", OnDelete: Restrict},
		{Name: "phone", Type: Char, String: "Phone"},
		{Name: "website", Type: Char, String: "Website Link"},
		{Name: "vat", Type: Char, String: "Tax ID", Index: true},
		{Name: "ref", Type: Char, String: "Reference", Index: true},
		{Name: "lang", Type: Char, String: "Language"},
		{Name: "tz", Type: Char, String: "Timezone"},
		{Name: "comment", Type: Text, String: "Notes"},
	}
}

// syncISO loads the ISO rows into empty tables and returns the external
// ids Odoo gives them (base.be, base.EUR).
func syncISO(ctx context.Context, tx *store.Tx) ([]ExternalID, error) {
	var ext []ExternalID
	now := "2026-01-01 00:00:00"
	load := func(table, file string, cols []string, row func([]string) []any) error {
		if n, err := firstID(ctx, tx, table); err != nil || n > 0 {
			return err
		}
		f, err := isoData.Open("isodata/" + file)
		if err != nil {
			return err
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		d := tx.Dialect()
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = d.QuoteIdent(c)
		}
		head := "INSERT INTO " + d.QuoteIdent(table) + " (" + strings.Join(q, ", ") + ", create_date, write_date) VALUES "
		marks := "(" + strings.Repeat("?, ", len(cols)) + "?, ?)"
		for start := 1; start < len(recs); start += 500 {
			end := min(start+500, len(recs))
			var sb strings.Builder
			var args []any
			for i, r := range recs[start:end] {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(marks)
				args = append(append(args, row(r)...), now, now)
			}
			if _, err := tx.Exec(ctx, head+sb.String(), args...); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	}
	err := load("res_currency", "currencies.csv", []string{"name", "iso_numeric", "full_name", "symbol", "rounding", "decimal_places", "active"}, func(r []string) []any {
		var num any
		if v, err := strconv.ParseInt(r[1], 10, 64); err == nil {
			num = v
		}
		// Odoo ships every currency and activates the ones in use.
		return []any{r[0], num, r[2], r[0], 0.01, int64(2), r[0] == "EUR" || r[0] == "USD"}
	})
	if err == nil {
		err = load("res_country", "countries.csv", []string{"code", "name"}, func(r []string) []any { return []any{r[0], r[1]} })
	}
	if err != nil {
		return nil, err
	}
	countries, err := codeIDs(ctx, tx, "res_country", "code")
	if err != nil {
		return nil, err
	}
	err = load("res_country_state", "states.csv", []string{"country_id", "code", "name"}, func(r []string) []any {
		return []any{countries[r[0]], r[1], r[2]}
	})
	if err != nil {
		return nil, err
	}
	currencies, err := codeIDs(ctx, tx, "res_currency", "name")
	if err != nil {
		return nil, err
	}
	for code, id := range countries {
		ext = append(ext, ExternalID{"base", strings.ToLower(code), "res.country", id})
	}
	for code, id := range currencies {
		ext = append(ext, ExternalID{"base", code, "res.currency", id})
	}
	slices.SortFunc(ext, func(a, b ExternalID) int { return cmp.Compare(a.Name, b.Name) })
	return ext, nil
}

// codeIDs maps a table's code column to ids.
func codeIDs(ctx context.Context, tx *store.Tx, table, col string) (map[string]int64, error) {
	d := tx.Dialect()
	rows, err := tx.Query(ctx, "SELECT id, "+d.QuoteIdent(col)+" FROM "+d.QuoteIdent(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		out[code] = id
	}
	return out, rows.Err()
}

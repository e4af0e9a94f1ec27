package orm

import (
	"context"
	"strconv"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// SequenceDef declares an ir.sequence that a field's default draws from
// (Odoo's ir.sequence with implementation 'no_gap'): numbers are taken in
// the creating transaction, by one UPDATE of the counter row, so a failed
// create gives its number back and concurrent creates queue on the row:
// no gap, no duplicate, on both databases.
type SequenceDef struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
	// Prefix and Suffix may use %(year)s, %(y)s, %(month)s, %(day)s.
	Prefix  string `yaml:"prefix"`
	Suffix  string `yaml:"suffix"`
	Padding int    `yaml:"padding"`
	// PerCompany keeps one counter per company (the request's current
	// company), as Odoo's company-specific sequences.
	PerCompany bool `yaml:"per_company"`
}

func sequenceModel() ModelDef {
	return ModelDef{
		Name: "ir.sequence", Description: "Sequence", Order: "name, id", Source: "builtin",
		Fields: []Field{
			{Name: "name", Type: Char, String: "Name", Required: true},
			{Name: "code", Type: Char, String: "Sequence Code", Index: true},
			{Name: "implementation", Type: Selection, String: "Implementation", Selection: [][2]string{{"standard", "Standard"}, {"no_gap", "No gap"}}, Default: "no_gap"},
			{Name: "active", Type: Boolean, String: "Active", Default: true},
			{Name: "prefix", Type: Char, String: "Prefix"},
			{Name: "suffix", Type: Char, String: "Suffix"},
			{Name: "number_next", Type: Integer, String: "Next Number", Required: true, Default: int64(1)},
			{Name: "number_increment", Type: Integer, String: "Step", Required: true, Default: int64(1)},
			{Name: "padding", Type: Integer, String: "Sequence Size", Required: true, Default: int64(0)},
			{Name: "company_id", Type: Many2one, Comodel: "res.company", String: "Company", OnDelete: Cascade},
		},
	}
}

// sequences lists the sequences the registry's fields declare, by code.
func (r *Registry) sequences() map[string]*SequenceDef {
	out := map[string]*SequenceDef{}
	for _, name := range r.names {
		for _, f := range r.models[name].list {
			if f.Sequence != nil {
				out[f.Sequence.Code] = f.Sequence
			}
		}
	}
	return out
}

// syncSequences creates the unique index the counters rely on and the
// counter rows that do not exist yet (never resetting one).
func syncSequences(ctx context.Context, tx *store.Tx, seqs map[string]*SequenceDef) error {
	if _, err := tx.Exec(ctx, `CREATE UNIQUE INDEX IF NOT EXISTS ir_sequence_code_company_uniq ON ir_sequence (code, COALESCE(company_id, 0))`); err != nil {
		return err
	}
	for _, sd := range seqs {
		if !sd.PerCompany {
			if err := ensureSequence(ctx, tx, sd, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensureSequence inserts the counter row of sd for company (0: none)
// unless it exists; concurrent inserts of the same row collapse into one
// (the unique index, ON CONFLICT DO NOTHING).
func ensureSequence(ctx context.Context, tx *store.Tx, sd *SequenceDef, company int64) error {
	var comp any
	if company > 0 {
		comp = company
	}
	name := sd.Name
	if name == "" {
		name = sd.Code
	}
	_, err := tx.Exec(ctx, `INSERT INTO ir_sequence (name, code, implementation, active, prefix, suffix, number_next, number_increment, padding, company_id)
		VALUES (?, ?, 'no_gap', ?, ?, ?, 1, 1, ?, ?) ON CONFLICT DO NOTHING`,
		name, sd.Code, true, sd.Prefix, sd.Suffix, int64(sd.Padding), comp)
	return err
}

// nextSequence takes sd's next number for the Env's current company (per
// company) and formats it.
func (e *Env) nextSequence(tx *store.Tx, sd *SequenceDef) (string, error) {
	company := int64(0)
	if sd.PerCompany {
		if company = e.Company(); company == 0 {
			return "", errNoCompany(sd.Code)
		}
	}
	if err := ensureSequence(e.ctx, tx, sd, company); err != nil {
		return "", dbError(tx, err)
	}
	var n, padding int64
	var prefix, suffix *string
	err := tx.QueryRow(e.ctx, `UPDATE ir_sequence SET number_next = number_next + number_increment
		WHERE code = ? AND COALESCE(company_id, 0) = ?
		RETURNING number_next - number_increment, padding, prefix, suffix`, sd.Code, company).Scan(&n, &padding, &prefix, &suffix)
	if err != nil {
		return "", dbError(tx, err)
	}
	now := e.reg.now()
	interp := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.NewReplacer("%(year)s", now.Format("2006"), "%(y)s", now.Format("06"),
			"%(month)s", now.Format("01"), "%(day)s", now.Format("02")).Replace(*p)
	}
	num := strconv.FormatInt(n, 10)
	if pad := int(padding); len(num) < pad {
		num = strings.Repeat("0", pad-len(num)) + num
	}
	return interp(prefix) + num + interp(suffix), nil
}

// NextByCode is ir.sequence.next_by_code for server code: the next
// formatted number of the sequence a field declares with this code.
func (e *Env) NextByCode(code string) (string, error) {
	sd := e.reg.sequences()[code]
	if sd == nil {
		return "", errs.Ef(errs.UserError, "No ir.sequence has the code %q.", strings.ToValidUTF8(code, "?"))
	}
	tx, err := e.writeTx()
	if err != nil {
		return "", err
	}
	return e.nextSequence(tx, sd)
}

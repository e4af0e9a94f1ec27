// The npm client odoo-xmlrpc-ts (XML-RPC) against rampart, as an
// integration would use it. Usage: node flow.mjs CONFIG.json (the config
// of ../xmlrpc_flow.py plus bulk_count and bulk_prefix).
import { readFileSync } from 'node:fs';
import { OdooClient } from 'odoo-xmlrpc-ts';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function check(cond, what) {
  if (!cond) {
    throw new Error('FAILED: ' + what);
  }
  console.log('ok:', what);
}

async function refused(promise, text, what) {
  try {
    await promise;
  } catch (e) {
    check(String(e.message).includes(text), `${what}: ${e.message.slice(0, 120)}`);
    return;
  }
  throw new Error('FAILED: ' + what + ': no error');
}

const admin = new OdooClient({ url: cfg.url, db: cfg.db, username: cfg.admin.login, password: cfg.admin.password });
const version = await admin.version();
check(version.server_version === '19.0', 'version');
check((await admin.authenticate()) > 0, 'admin authenticates');

// Model pickers list models through ir.model.
const models = await admin.searchRead('ir.model', [], { fields: ['model', 'name'] });
const names = models.map((m) => m.model);
check(names.includes('sale.order') && names.includes('res.partner'), `ir.model lists ${models.length} models`);
const so = models.find((m) => m.model === 'sale.order');
check(so.name === 'Sales Order', 'ir.model name');

const user = new OdooClient({ url: cfg.url, db: cfg.db, username: cfg.user.login, password: cfg.user.password });
check((await user.authenticate()) > 0, 'user authenticates');
const fields = await user.fieldsGet('sale.order', ['type', 'relation', 'string']);
check(fields.partner_id.type === 'many2one' && fields.partner_id.relation === 'res.partner', 'fields_get');

// "Return all": a search without a limit answers every match.
const domain = [['name', '=like', cfg.bulk_prefix + '%']];
const ids = await user.search('res.partner', domain);
check(ids.length === cfg.bulk_count && cfg.bulk_count > 1000, `search without limit: ${ids.length} of ${cfg.bulk_count}`);
const rows = await user.searchRead('res.partner', domain, { fields: ['name'] });
check(rows.length === cfg.bulk_count, `search_read without limit: ${rows.length}`);
check((await user.searchCount('res.partner', domain)) === cfg.bulk_count, 'search_count agrees');

// A contact with an address.
const contact = await user.create('res.partner', {
  name: 'Node Contact', email: 'node@example.com', parent_id: cfg.partner_id, ...cfg.contact_vals,
});
check(Number.isInteger(contact), 'contact created');
const [back] = await user.read('res.partner', [contact], ['name', 'email', 'parent_id', ...Object.keys(cfg.contact_vals)]);
check(back.name === 'Node Contact' && back.parent_id[0] === cfg.partner_id, 'contact read back');
for (const [k, v] of Object.entries(cfg.contact_vals)) {
  const got = Array.isArray(back[k]) ? back[k][0] : back[k];
  check(got === v, `contact ${k}`);
}

// Refused access: the salesman may not delete, nor see others' orders.
await refused(user.unlink('res.partner', [contact]), 'You are not allowed to delete', 'unlink refused');
await refused(user.read('sale.order', [cfg.foreign_order_id], ['name']), 'Record does not exist', 'foreign order hidden');
await refused(user.searchRead('ir.model', [], { fields: ['model'] }), 'You are not allowed to access', 'ir.model refused to a salesman');
check((await admin.searchCount('res.partner', [['id', '=', contact]])) === 1, 'the contact is still there');
console.log('node flow: all ok');

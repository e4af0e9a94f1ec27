#!/usr/bin/env python3
"""The python3-odoorpc client (OdooRPC) against rampart.

Usage: odoorpc_flow.py CONFIG.json   (the same config as xmlrpc_flow.py)

Logs in through /web/session/authenticate, then works with
env['sale.order'] as an integration would: search, browse, read, create,
write, unlink; refused operations must raise odoorpc.error.RPCError whose
info carries Odoo's error object (data.name, data.message).
"""
import json
import sys
import urllib.parse

import odoorpc

cfg = json.load(open(sys.argv[1]))
parsed = urllib.parse.urlparse(cfg["url"])
db = cfg["db"]


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def rpc_error(call, name, prefix, what, code=0):
    try:
        call()
    except odoorpc.error.RPCError as e:
        data = e.info["data"]
        envelope = "Odoo Server Error" if code == 0 else "404: Not Found"
        check(e.info["code"] == code and e.info["message"] == envelope, "%s: error envelope" % what)
        check(data["name"] == name, "%s: data.name %r == %r" % (what, data["name"], name))
        check(str(e).startswith(prefix) and data["message"].startswith(prefix),
              "%s: message %r starts with %r" % (what, data["message"], prefix))
        check(data.get("debug", "") == "", "%s: no traceback" % what)
        return e
    raise AssertionError("%s: no RPCError" % what)


odoo = odoorpc.ODOO(parsed.hostname, port=parsed.port, protocol="jsonrpc")
check(odoo.version == "19.0", "version from /web/webclient/version_info")
check(odoo.db.list() == [db], "db list")

# A wrong password is refused at login.
rpc_error(lambda: odoo.login(db, cfg["user"]["login"], "wrong password"),
          "odoo.exceptions.AccessDenied", "Access Denied", "wrong password")

u = cfg["user"]
odoo.login(db, u["login"], u["password"])
check(odoo.env.uid > 0, "login")
check(odoo.env.context.get("lang") == "en_US", "user_context")
check(odoo.env.user.login == u["login"], "env.user (res.users fields_get and read)")

Order = odoo.env["sale.order"]
ids = Order.search([])
check(len(ids) >= 1 and cfg["foreign_order_id"] not in ids, "search: own orders only")
order = Order.browse(ids[0])
check(order.id == ids[0] and order.name, "browse and read a field")
rows = Order.read(ids[:1], ["name", "state"])
check(rows[0]["id"] == ids[0] and set(rows[0]) == {"id", "name", "state"}, "read")

# Record navigation: odoorpc reads many2one fields with
# load='_classic_write' and browses the id it gets back.
check(order.partner_id.id > 0 and order.partner_id.name, "browse navigation order.partner_id.name")
check(order.user_id.id == odoo.env.uid, "browse navigation order.user_id")

# env.ref resolves external ids through ir.model.data.check_object_reference.
company = odoo.env.ref("base.main_company")
check(company._name == "res.company" and company.id > 0 and company.name, "env.ref('base.main_company')")

# default_get, and a create with only partner_id: name, company and date
# come from the defaults as in Odoo.
defaults = Order.default_get(["name", "company_id", "date_order", "user_id"])
check(defaults.get("user_id") == odoo.env.uid and defaults.get("company_id") and defaults.get("date_order")
      and "name" not in defaults, "default_get: %r" % defaults)
minimal = Order.browse(Order.create({"partner_id": cfg["partner_id"]}))
check(minimal.name.startswith("S") and len(minimal.name) == 6, "minimal create named %r" % minimal.name)
check(minimal.company_id.id == defaults["company_id"] and minimal.date_order, "minimal create: company and date")
check(minimal.user_id.id == odoo.env.uid, "minimal create: salesperson")

partner_id = cfg["partner_id"]
vals = {"name": "SO-RPC-1", "partner_id": partner_id, "user_id": odoo.env.uid}
vals.update(cfg.get("order_vals", {}))
new_id = Order.create(vals)
check(isinstance(new_id, int), "create")
new = Order.browse(new_id)
new.write({"name": "SO-RPC-2"})
check(Order.read([new_id], ["name"])[0]["name"] == "SO-RPC-2", "write")
new.name = "SO-RPC-3"  # auto_commit: an immediate write
check(Order.browse(new_id).name == "SO-RPC-3", "attribute assignment")

# Refused operations surface as Odoo's errors.
rpc_error(lambda: Order.unlink([new_id]), "odoo.exceptions.AccessError", "You are not allowed to",
          "unlink without the ACL")
rpc_error(lambda: Order.read([cfg["foreign_order_id"]], ["name"]), "odoo.exceptions.MissingError",
          "Record does not exist or has been deleted.", "another salesman's order")
# Odoo 19's call_kw: an unknown method is an AttributeError (code 0), not a 404.
rpc_error(lambda: odoo.execute_kw("sale.order", "frobnicate", [[]]), "builtins.AttributeError",
          "The method 'sale.order.frobnicate' does not exist", "unknown method")

# The administrator may delete.
odoo.logout()
a = cfg["admin"]
odoo.login(db, a["login"], a["password"])
check("sale.order" in odoo.env and "no.such.model" not in odoo.env, "'sale.order' in env (ir.model search)")
Order = odoo.env["sale.order"]
check(Order.unlink([new_id]) is True, "unlink as admin")
check(Order.unlink([minimal.id]) is True, "unlink the minimal order as admin")
check(Order.search([("id", "=", new_id)]) == [], "gone after unlink")
odoo.logout()
print("odoorpc flow: all ok")

#!/usr/bin/env python3
"""Odoo's external-API documentation flow with Python's xmlrpc.client.

Usage: xmlrpc_flow.py CONFIG.json

CONFIG names the server and two users: "admin" (may create, write and
delete partners) and "user" (a salesman: may read sale.order but not
delete it, and cannot see other salesmen's orders). The script follows the
documentation step by step, then checks that refused operations reach the
client as Odoo's faults: xmlrpc.client.Fault with Odoo's faultCode and
message. Any mismatch raises (non-zero exit).
"""
import datetime
import json
import sys
import xmlrpc.client

cfg = json.load(open(sys.argv[1]))
url, db = cfg["url"], cfg["db"]
username, password = cfg["admin"]["login"], cfg["admin"]["password"]


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def fault(call, code, prefix, what):
    try:
        call()
    except xmlrpc.client.Fault as f:
        check(f.faultCode == code, "%s: faultCode %r == %r" % (what, f.faultCode, code))
        check(f.faultString.startswith(prefix), "%s: faultString %r starts with %r" % (what, f.faultString, prefix))
        check("Traceback" not in f.faultString, "%s: no traceback" % what)
        return f
    raise AssertionError("%s: no fault" % what)


# Logging in
common = xmlrpc.client.ServerProxy("{}/xmlrpc/2/common".format(url))
version = common.version()
check(version["server_version"] == "19.0", "version")
check(version["server_version_info"][:2] == [19, 0], "version_info")
check(version["protocol_version"] == 1, "protocol_version")

uid = common.authenticate(db, username, password, {})
check(isinstance(uid, int) and uid > 0, "authenticate")
check(common.authenticate(db, username, "wrong password", {}) is False, "wrong password gives False")
check(common.login(db, username, password) == uid, "login")

# Calling methods
models = xmlrpc.client.ServerProxy("{}/xmlrpc/2/object".format(url))
check(models.execute_kw(db, uid, password, "res.partner", "check_access_rights",
                        ["read"], {"raise_exception": False}) is True, "check_access_rights")

# List records
ids = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]])
check(isinstance(ids, list) and len(ids) >= 2, "search")
page = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]],
                         {"offset": 1, "limit": 1})
check(page == ids[1:2], "search with offset and limit")

# Count records
count = models.execute_kw(db, uid, password, "res.partner", "search_count", [[["is_company", "=", True]]])
check(count == len(ids), "search_count")

# Read records
[record] = models.execute_kw(db, uid, password, "res.partner", "read", [ids[:1]])
check(record["id"] == ids[0] and "name" in record, "read all fields")
[record] = models.execute_kw(db, uid, password, "res.partner", "read", [ids[:1]], {"fields": ["name", "is_company"]})
check(set(record) == {"id", "name", "is_company"}, "read some fields")

# List record fields
fields = models.execute_kw(db, uid, password, "res.partner", "fields_get", [], {"attributes": ["string", "help", "type"]})
check(fields["name"]["type"] == "char" and "string" in fields["name"], "fields_get")

# Search and read
rows = models.execute_kw(db, uid, password, "res.partner", "search_read", [[["is_company", "=", True]]],
                         {"fields": ["name", "email"], "limit": 5})
check(len(rows) == min(5, len(ids)) and set(rows[0]) == {"id", "name", "email"}, "search_read")

# Create records
new_id = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "New Partner"}])
check(isinstance(new_id, int), "create returns an id")

# Update records
check(models.execute_kw(db, uid, password, "res.partner", "write", [[new_id], {"name": "Newer partner"}]) is True, "write")
names = models.execute_kw(db, uid, password, "res.partner", "read", [[new_id], ["display_name"]])
check(names[0]["display_name"] == "Newer partner", "read after write")

# name_search
found = models.execute_kw(db, uid, password, "res.partner", "name_search", ["Newer partner"])
check([new_id, "Newer partner"] in found, "name_search")

# Delete records
check(models.execute_kw(db, uid, password, "res.partner", "unlink", [[new_id]]) is True, "unlink")
check(models.execute_kw(db, uid, password, "res.partner", "search", [[["id", "=", new_id]]]) == [], "gone after unlink")

# The db service.
dbs = xmlrpc.client.ServerProxy("{}/xmlrpc/2/db".format(url))
check(dbs.list() == [db], "db.list")
check(dbs.server_version() == "19.0", "db.server_version")

# Typed values: a dateTime.iso8601 in a domain, None (<nil/>) as an argument.
typed = xmlrpc.client.ServerProxy("{}/xmlrpc/2/object".format(url), allow_none=True, use_datetime=True)
since = typed.execute_kw(db, uid, password, "sale.order", "search_count",
                         [[["date_order", ">=", datetime.datetime(2000, 1, 1)]]])
check(since > 0 and since == typed.execute_kw(db, uid, password, "sale.order", "search_count", [[]]), "datetime in a domain")
check(typed.execute_kw(db, uid, password, "res.partner", "search", [[]], {"limit": None}) == 
      models.execute_kw(db, uid, password, "res.partner", "search", [[]]), "None as limit")

# Refused operations, as the restricted user, with Odoo's faults.
u = cfg["user"]
uuid = common.authenticate(db, u["login"], u["password"], {})
check(isinstance(uuid, int) and uuid > 0, "authenticate restricted user")
check(common.authenticate(db, u["login"], u["key"], {}) == uuid, "API key accepted as the password")
orders = models.execute_kw(db, uuid, u["key"], "sale.order", "search", [[]])
check(len(orders) >= 1 and cfg["foreign_order_id"] not in orders, "own orders only")
check(models.execute_kw(db, uuid, u["key"], "sale.order", "check_access_rights", ["unlink"],
                        {"raise_exception": False}) is False, "check_access_rights refuses unlink")
fault(lambda: models.execute_kw(db, uuid, u["key"], "sale.order", "check_access_rights", ["unlink"]),
      4, "You are not allowed to", "check_access_rights raising")
fault(lambda: models.execute_kw(db, uuid, u["key"], "sale.order", "unlink", [orders[:1]]),
      4, "You are not allowed to", "unlink without the ACL is an AccessError (4)")
fault(lambda: models.execute_kw(db, uuid, u["key"], "sale.order", "read", [[cfg["foreign_order_id"]]]),
      2, "Record does not exist or has been deleted.", "another salesman's order is missing (2)")
fault(lambda: models.execute_kw(db, uuid, "wrong password", "sale.order", "search", [[]]),
      3, "Access Denied", "wrong password is AccessDenied (3)")
fault(lambda: models.execute_kw(db, uuid, u["key"], "no.such.model", "search", [[]]),
      2, "Object no.such.model doesn't exist", "unknown model")
fault(lambda: models.execute_kw(db, uuid, u["key"], "sale.order", "_private", [[]]),
      4, "Private methods (such as 'sale.order._private') cannot be called remotely.", "private method")
fault(lambda: models.execute_kw(db, uuid, u["key"], "sale.order", "search", []),
      1, "TypeError: sale.order.search() missing 1 required positional argument: 'domain'", "missing argument")
# Odoo 19: an unknown method is get_public_method's AttributeError and a
# call that does not bind Python's TypeError: the generic fault 1, whose
# string ends with "<Class>: <message>" (rampart sends that line only).
fault(lambda: models.execute_kw(db, uuid, u["key"], "sale.order", "frobnicate", [[]]),
      1, "AttributeError: The method 'sale.order.frobnicate' does not exist", "unknown method")
print("xmlrpc flow: all ok")

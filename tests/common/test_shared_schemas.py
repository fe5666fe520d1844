"""Schemas are built once per process and shared by every request ("Schema instances" in
common/schemas.py): no request builds one, and no schema or field of ours keeps state on itself
between calls (which would leak from one request, or thread, into another)."""

import ast
import importlib
import inspect
import pkgutil
import textwrap

from marshmallow import Schema, fields

import market_pay
from market_pay.extensions import db
from tests.factories import auth_header, make_market, make_user, make_vendor, scope_of


def _ours(base) -> set:
    found, todo = set(), [base]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.startswith("market_pay."):
                found.add(cls)
    return found


def _assigns_to_self(function) -> bool:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    targets = [
        target
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    ]
    return any(
        isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
        for target in targets
        for node in ast.walk(target)
    )


def test_no_schema_or_field_of_ours_stores_anything_on_itself_after_construction():
    for module in pkgutil.walk_packages(market_pay.__path__, "market_pay."):
        importlib.import_module(module.name)
    classes = _ours(Schema) | _ours(fields.Field)
    assert len(classes) > 50  # every feature's schemas were found
    stateful = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in classes
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and name != "__init__" and _assigns_to_self(member)
    ]
    assert stateful == []


def test_reads_and_a_refused_write_build_no_schema(client, app, monkeypatch):
    market = make_market()
    vendor = make_vendor(market)
    own = auth_header(make_user("vendor", scope_of(vendor)))
    manager = auth_header(make_user("market_manager", market.code))
    calls = [
        ("get", f"/api/v1/vendors/{vendor.id}", own, None),
        ("get", f"/api/v1/vendors?market_code={market.code}", manager, None),
        ("get", "/api/v1/auth/me", manager, None),
        ("post", "/api/v1/vendors", manager, {"market_code": market.code, "stall_code": ""}),
    ]
    expected = [200, 200, 200, 422]

    def run():
        db.session.expunge_all()
        return [
            getattr(client, method)(path, headers=headers, json=body).status_code
            for method, path, headers, body in calls
        ]

    assert run() == expected  # nested schemas are built on their first use, once
    count = {"schemas": 0}
    original = Schema.__init__

    def counting(self, *args, **kwargs):
        count["schemas"] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(Schema, "__init__", counting)
    assert run() == expected
    assert count["schemas"] == 0

"""The OpenAPI document is valid and describes every API route."""

import re

from openapi_spec_validator import validate


def documented_operations(spec):
    return {(method.upper(), path) for path, operations in spec["paths"].items() for method in operations}


def test_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_every_api_route_is_documented_and_nothing_else(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented_operations(spec)


def test_documented_schemas_use_the_field_names_scripts_rely_on(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert set(schemas["Region"]["properties"]) >= {"code", "name", "kind", "parent_code"}
    assert set(schemas["Market"]["properties"]) == {"code", "name", "region_code", "address"}
    assert set(schemas["VendorCreate"]["properties"]) == {
        "market_code",
        "stall_code",
        "display_name",
        "legal_name",
        "phone",
        "floor_amount",
        "accounts",
    }
    assert "legal_name" in schemas["VendorCreate"]["required"]
    assert set(schemas["Account"]["properties"]) == {
        "id",
        "bin",
        "bank",
        "account_number",
        "account_name",
        "active",
        "status",
        "pending_change",
        "requested_by",
        "requested_at",
    }

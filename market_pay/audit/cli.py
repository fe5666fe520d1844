"""`market-pay audit`: the audit log for the operator, with the API's filters, as a table or JSON."""

import json

import click

from ..common.cli import load_options, service_command


@click.command("audit")
@click.option("--market", default=None, help="A market's code.")
@click.option("--vendor", "vendor_id", type=int, default=None, help="A stall's id.")
@click.option("--actor", default=None, help="Who made the change (a username, or 'cli').")
@click.option("--action", default=None, help="e.g. account.add, suspense.assign_stall, cash_sale.delete.")
@click.option("--from", "first", default=None, help="First local day (YYYY-MM-DD).")
@click.option("--to", "last", default=None, help="Last local day, inclusive.")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document {items: [...]} instead of a table.")
@service_command
def audit_command(market, vendor_id, actor, action, first, last, limit, as_json):
    """Print who changed what (oldest first): the same rows GET /api/v1/audit-log gives an admin."""
    from .reading import as_items, list_audit_log
    from .schemas import AuditItemSchema, AuditQuerySchema

    query = load_options(
        AuditQuerySchema(),
        {
            key: value
            for key, value in {
                "market": market,
                "vendor": vendor_id,
                "actor": actor,
                "action": action,
                "from": first,
                "to": last,
            }.items()
            if value is not None
        },
    )
    items: list[dict] = []
    cursor = None
    while len(items) < limit:
        rows, cursor = list_audit_log(
            None,
            query["market"],
            query["vendor"],
            query["actor"],
            query["action"],
            query["first"],
            query["last"],
            min(500, limit - len(items)),
            cursor,
        )
        items += as_items(rows)
        if cursor is None:
            break
    dumped = AuditItemSchema(many=True).dump(items)
    if as_json:
        click.echo(json.dumps({"items": dumped}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'id':>7}  {'at (UTC)':<20} {'actor':<16} {'action':<24} {'market':<10} {'stall':>6}  detail")
    for item in dumped:
        detail = json.dumps(item["detail"], ensure_ascii=False, separators=(",", ":"))
        click.echo(
            f"{item['id']:>7}  {item['at'][:19]:<20} {item['actor'][:16]:<16} {item['action'][:24]:<24} "
            f"{(item['market_code'] or '-')[:10]:<10} {item['vendor_id'] or '-':>6}  "
            f"{item['entity']} {detail[:200]}"
        )
    click.echo(f"{len(dumped)} row(s)." + (" More match: raise --limit or narrow the filters." if cursor else ""))

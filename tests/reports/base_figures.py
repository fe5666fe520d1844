"""The oracle the rollups are checked against: a stall's figures added up straight from the base
tables (bank transactions, cash sales), for adoption_report(stall_figures=…). Used by the tests
and by bench/bench_reports.py (its baseline); not production code."""

from sqlalchemy import select

from market_pay.common.bulk import in_values
from market_pay.extensions import db
from market_pay.reports.rollups import base_stall_figures
from market_pay.vendors.models import Vendor


def stall_figures_from_base(market_ids, period) -> dict:
    """{vendor_id: (market_id, {figure: value})}, as figure_queries.stall_figures answers from the
    rollups. market_ids None: every market."""
    vendors = select(Vendor.id, Vendor.market_id).where(
        *([] if market_ids is None else [in_values(Vendor.market_id, market_ids)])
    )
    market_of = dict(db.session.execute(vendors).all())
    return {
        vendor_id: (market_of[vendor_id], values)
        for vendor_id, values in base_stall_figures(*period.utc_bounds(), list(market_of)).items()
        if vendor_id in market_of
    }

"""The reports tests' shared world."""

import pytest

from market_pay.extensions import db
from tests.factories import make_market, make_region, make_vendor
from tests.reports.helpers import at, cash, credit


@pytest.fixture
def tree():
    """Province P: district D1 (communes C1, C2), district D2 (commune C3); markets M1 (4 stalls),
    M2 (2 stalls: always pooled), M3 (3 stalls, no cash recorded)."""
    province = make_region("P", "province", name="Tỉnh Thử")
    d1 = make_region("D1", "former_district", province, name="Huyện Một")
    d2 = make_region("D2", "former_district", province, name="Huyện Hai")
    c1, c2 = make_region("C1", "commune", d1, name="Xã Một"), make_region("C2", "commune", d1, name="Xã Hai")
    c3 = make_region("C3", "commune", d2, name="Xã Ba")
    m1 = make_market("M1", c1, "Chợ Một")
    m2 = make_market("M2", c2, "Chợ Hai")
    m3 = make_market("M3", c3, "Chợ Ba")
    stalls = {
        code: [make_vendor(market) for _ in range(n)]
        for code, market, n in (("M1", m1, 4), ("M2", m2, 2), ("M3", m3, 3))
    }
    s = stalls
    for stall in (v for group in stalls.values() for v in group):  # registered in the summer
        stall.created_at = stall.accounts[0].created_at = at("2026-08-01 08:00")
    db.session.commit()
    # November. M1: three active stalls (the fourth has no payment), some confirmed, one reversed.
    credit(s["M1"][0], 100_000, "2026-11-01 00:05", "confirmed")
    credit(s["M1"][0], 50_000, "2026-11-30 23:55")
    credit(s["M1"][1], 20_000, "2026-11-15 10:00", "recovered")
    credit(s["M1"][2], 30_000, "2026-11-16 10:00")
    credit(s["M1"][3], 999_000, "2026-11-16 11:00", reversed_=True)  # reversed: counts nowhere
    cash(m1, 60_000, "2026-11-02 08:00", 3, s["M1"][0])
    cash(m1, 40_000, "2026-11-20 08:00", 2, source="survey")  # market-wide survey
    # M2: one stall pays, cash recorded.
    credit(s["M2"][0], 10_000, "2026-11-10 09:00")
    cash(m2, 5_000, "2026-11-10 09:30", 1, s["M2"][1])
    # M3: three active stalls, no cash at all.
    for n, stall in enumerate(s["M3"]):
        credit(stall, 10_000 * (n + 1), f"2026-11-0{n + 3} 12:00")
    # Outside the period: October 31st 23:59 (previous period) and December 1st 00:00 (neither).
    credit(s["M1"][0], 7_000, "2026-10-31 23:59")
    cash(m1, 3_000, "2026-10-05 10:00", 1, s["M1"][1])
    credit(s["M1"][0], 8_000, "2026-12-01 00:00")
    return {"regions": (province, d1, d2, c1, c2, c3), "markets": (m1, m2, m3), "stalls": stalls}

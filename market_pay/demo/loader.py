"""load_demo(): regions, a dozen markets across Hà Giang's former districts, stalls and logins.

Deterministic (a fixed seed per market) and idempotent: what exists is left alone.
"""

import random
from importlib import resources

from sqlalchemy import select

from ..auth.models import User
from ..auth.services import create_user
from ..common.textfold import fold_upper
from ..extensions import db
from ..markets.models import Market
from ..markets.services import create_market
from ..payments.partners import credentials, set_credentials
from ..regions.importer import import_regions_csv
from ..regions.models import Region
from ..vendors.models import Vendor
from ..vendors.services import register_vendor
from .names import BANK_BINS, FEMALE_GIVEN, GOODS, HMONG_SURNAMES, MALE_GIVEN, SURNAMES

# (market code, name, commune/ward code, address)
MARKETS = [
    ("HG-TTHG", "Chợ trung tâm thành phố Hà Giang", "00694", "Đường Nguyễn Thái Học, phường Hà Giang 1"),
    ("HG-HG2", "Chợ phường Hà Giang 2", "00691", "Đường Trần Phú, phường Hà Giang 2"),
    ("DV-DONGVAN", "Chợ Đồng Văn", "00721", "Phố cổ Đồng Văn, xã Đồng Văn"),
    ("DV-PHOBANG", "Chợ phiên Phố Bảng", "00745", "Thôn Phố Trồng, xã Phố Bảng"),
    ("MV-MEOVAC", "Chợ Mèo Vạc", "00769", "Tổ 2, xã Mèo Vạc"),
    ("MV-KHAUVAI", "Chợ phiên Khâu Vai", "00802", "Thôn Khâu Vai, xã Khâu Vai"),
    ("YM-YENMINH", "Chợ trung tâm Yên Minh", "00820", "Tổ 3, xã Yên Minh"),
    ("QB-TAMSON", "Chợ Tam Sơn", "00874", "Thôn Tam Sơn, xã Quản Bạ"),
    ("VX-VIXUYEN", "Chợ Vị Xuyên", "00913", "Tổ 8, xã Vị Xuyên"),
    ("VX-VIETLAM", "Chợ Việt Lâm", "00967", "Thôn Cầu Ham, xã Việt Lâm"),
    ("BQ-VIETQUANG", "Chợ trung tâm Việt Quang", "01153", "Tổ 11, xã Bắc Quang"),
    ("HSP-VINHQUANG", "Chợ Vinh Quang", "01021", "Tổ 1, xã Hoàng Su Phì"),
    ("XM-COCPAI", "Chợ Cốc Pài", "01108", "Thôn Cốc Pài, xã Xín Mần"),
]

DEMO_SIMBANK_SECRET = "demo-simbank-secret"
DEMO_VENDOR_PHONE = "0912345678"
DEMO_ASSISTANT_PHONE = "0987654321"
# (username, password, role, scope, display name): one login per role.
DEMO_LOGINS = [
    ("admin", "admin-demo-2026", "admin", None, "Quản trị hệ thống"),
    ("tinh.tuyenquang", "tinh-demo-2026", "region_staff", "08", "Sở Công Thương Tuyên Quang"),
    ("xa.dongvan", "xa-demo-2026", "region_staff", "00721", "UBND xã Đồng Văn"),
    ("ql.chohagiang", "cho-demo-2026", "market_manager", "HG-TTHG", "Ban quản lý chợ Hà Giang"),
    (DEMO_VENDOR_PHONE, "246810", "vendor", "HG-TTHG/A-01", "Tiểu thương sạp A-01"),
    (DEMO_ASSISTANT_PHONE, "135790", "vendor_assistant", "HG-TTHG/A-01", "Người phụ bán sạp A-01"),
]


def _person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    female = rng.random() < 0.7  # most market vendors are women
    if surname in HMONG_SURNAMES:  # noqa: SIM108 (one people's names a line)
        middle = "Mí" if female else "Seo"
    else:
        middle = "Thị" if female else "Văn"
    return f"{surname} {middle} {rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)}"


def _stalls(market_code: str, taken_accounts: set) -> list[dict]:
    rng = random.Random(f"market_pay-demo-{market_code}")
    sections = list(GOODS)
    stalls = []
    for number in range(1, rng.randint(20, 60) + 1):
        section = sections[(number - 1) % len(sections)]
        person = _person(rng)
        accounts: list[dict] = []
        for _ in range(2 if rng.random() < 0.25 else 1):  # a quarter hold a second bank's QR
            while True:
                bin_code = rng.choice(BANK_BINS)
                account_number = str(rng.randint(10**11, 10**13 - 1))
                # One number, one stall, whatever the bank (as registration requires).
                if account_number not in taken_accounts and bin_code not in {a["bin"] for a in accounts}:
                    break
            taken_accounts.add(account_number)
            accounts.append({"bin": bin_code, "account_number": account_number, "account_name": fold_upper(person)})
        phone = DEMO_VENDOR_PHONE if (market_code, number) == ("HG-TTHG", 1) else f"09{rng.randint(10**7, 10**8 - 1)}"
        stalls.append(
            {
                "market_code": market_code,
                "stall_code": f"{section}-{number:02d}",
                "display_name": f"{GOODS[section]} – {person}",
                "legal_name": person,
                "phone": phone,
                "floor_amount": 1000,
                "accounts": accounts,
            }
        )
    return stalls


def _more_markets(count: int) -> list[tuple]:
    """Up to `count` markets beyond the named ones, one per commune or ward not yet holding one."""
    used = {region_code for _, _, region_code, _ in MARKETS}
    places = db.session.execute(
        select(Region.code, Region.name)
        .where(Region.kind.in_(("commune", "ward")), Region.code.not_in(used))
        .order_by(Region.code)
    ).all()
    markets = []
    for code, name in places[: max(0, count - len(MARKETS))]:
        place = name.removeprefix("Xã ").removeprefix("Phường ")
        markets.append((f"CHO-{code}", f"Chợ {place}", code, f"Trung tâm {name.lower()}"))
    return markets


def load_demo(markets: int = len(MARKETS)) -> str:
    """Create whatever of the demo is missing; return a summary with the demo logins. `markets`
    beyond the dozen named ones adds one generated market per further commune (the benchmark's
    60 markets of about 2,500 stalls)."""
    text = resources.files("market_pay.data").joinpath("regions_ha_giang.csv").read_text(encoding="utf-8")
    regions = import_regions_csv(text)
    markets_created = vendors_created = 0
    taken_accounts: set[tuple[str, str]] = set()
    for code, name, region_code, address in MARKETS + _more_markets(markets):
        market = db.session.scalar(select(Market).where(Market.code == code))
        if market is None:
            market = create_market(None, {"code": code, "name": name, "region_code": region_code, "address": address})
            markets_created += 1
        existing = set(db.session.scalars(select(Vendor.stall_code).where(Vendor.market_id == market.id)))
        for stall in _stalls(code, taken_accounts):
            if stall["stall_code"] not in existing:
                register_vendor(None, stall)
                vendors_created += 1
    users_created = 0
    for username, password, role, scope, display_name in DEMO_LOGINS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(None, username, password, role, scope, display_name)
            users_created += 1
    # A simulated bank to play with: `market-pay bank simulate --secret demo-simbank-secret …`.
    if not credentials("simbank")[0]:
        set_credentials("simbank", [DEMO_SIMBANK_SECRET], [])
    lines = [
        f"Demo data: {regions['created']} regions, {markets_created} markets, "
        f"{vendors_created} stalls, {users_created} logins created (existing data kept).",
        "Demo logins (POST /api/v1/auth/token with username/password):",
    ]
    lines += [
        f"  {role:<17} {username:<18} {password:<16} scope: {scope or 'all'}"
        for username, password, role, scope, _ in DEMO_LOGINS
    ]
    lines.append(f"Bank simulator secret (simbank): {DEMO_SIMBANK_SECRET}")
    return "\n".join(lines)

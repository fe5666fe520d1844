"""Printable vendor kits: templates, the PDF's text and fonts, every printed QR read back."""

import ctypes
import re
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
import zxingcpp

from market_pay.kits.cards import CARD_FIELDS, make_card
from market_pay.kits.render import LAYOUTS, KitTemplateError, render_pdf
from market_pay.vietqr.codec import build
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor, scope_of

ROOT = Path(__file__).resolve().parents[2]
KITS_DIR = ROOT / "vendor_kits"
DPI = 200


def sample_card():
    from datetime import date

    return make_card(
        market_name="Chợ Đồng Văn",
        market_code="HG-DV",
        stall_code="A-01",
        display_name="Rau sạch bà Hoa",
        account_name="NGUYỄN THỊ HOA",
        bin_code="970436",
        account_number="0011001234567",
        printed_on=date(2026, 11, 22),
    ).as_template_data()


def test_the_readme_documents_exactly_the_fields_a_card_has():
    readme = (KITS_DIR / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(\w+)` \|", readme, flags=re.MULTILINE)
    assert tuple(documented) == CARD_FIELDS


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_template_renders_with_the_documented_data(layout):
    [(text, codes)] = pages_of(render_pdf(KITS_DIR, layout, [sample_card()], "Thẻ sạp"))
    for wanted in ("Chợ Đồng Văn", "NGUYỄN THỊ HOA", "0011001234567", "Quét mã QR để thanh toán", "22/11/2026"):
        assert wanted in text
    assert [decoded for decoded, _ in codes] == [build("970436", "0011001234567")]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("missing", ["account_number", "check_code", "qr_png"])
def test_a_missing_field_fails_loudly(layout, missing):
    card = sample_card()
    del card[missing]
    with pytest.raises(KitTemplateError, match=missing):
        render_pdf(KITS_DIR, layout, [card], "Thẻ sạp")


@pytest.mark.parametrize(
    "element, problem",
    [
        ('{ kind = "text", value = "{no_such_field}", x = 1, y = 1, width = 50, size = 9 }', "no_such_field"),
        ('{ kind = "circle", x = 1, y = 1 }', "unknown element kind"),
        ('{ kind = "text", value = "x", x = 1, y = 1, width = 50, size = 9, weight = "heavy" }', "weight"),
        ('{ kind = "rect", x = 1, y = 1, width = 5, height = 5, fill = "red" }', "#rrggbb"),
        ('{ kind = "text", value = "x", x = "left", y = 1, width = 50, size = 9 }', "'x' must be a number"),
    ],
)
def test_a_template_mistake_is_named(tmp_path, element, problem):
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("a6.toml", "a4x4.toml"):
        (templates / name).write_text((KITS_DIR / "templates" / name).read_text(encoding="utf-8"), encoding="utf-8")
    card = (KITS_DIR / "templates" / "card.toml").read_text(encoding="utf-8")
    (templates / "card.toml").write_text(
        card.replace("elements = [", f"elements = [\n  {element},", 1), encoding="utf-8"
    )
    with pytest.raises(KitTemplateError, match=problem):
        render_pdf(tmp_path, "a6", [sample_card()], "Thẻ sạp")


def fonts_of_letters(textpage) -> set:
    """The font each printed letter is drawn with (a missing glyph would come from a fallback font)."""
    names = set()
    for index in range(textpage.count_chars()):
        if textpage.get_text_range(index, 1).isspace():
            continue
        name, flags = ctypes.create_string_buffer(256), ctypes.c_int()
        pdfium.FPDFText_GetFontInfo(textpage.raw, index, name, 256, ctypes.byref(flags))
        names.add(name.value.decode().split("+")[-1])
    return names


def pages_of(pdf: bytes):
    """[(page text, [(decoded QR text, width in cm)])] — every page rendered and read back; every
    letter must be drawn in the kit's own font, Be Vietnam Pro (no fallback, no empty boxes)."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        fonts = fonts_of_letters(textpage)
        assert fonts and all(name.startswith("BeVietnamPro") for name in fonts), fonts
        image = page.render(scale=DPI / 72).to_pil()
        codes = []
        for code in zxingcpp.read_barcodes(image):
            xs = [code.position.top_left.x, code.position.top_right.x]
            codes.append((code.text, abs(xs[1] - xs[0]) / DPI * 2.54))
        pages.append((text, codes))
    return pages


@pytest.fixture
def market_of_stalls(app):
    market = make_market(name="Chợ Phố Cáo")
    one = make_vendor(market, "A-01", [account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    two = make_vendor(
        market,
        "A-02",
        [
            account_data("970405", "3300123456789", "TRẦN VĂN BÌNH"),
            account_data("970422", "0987654321", "TRẦN VĂN BÌNH"),
        ],
    )
    three = make_vendor(market, "B-07", [account_data("970418", "12345678901", "GIÀNG THỊ MỶ")])
    return market, [one, two, three]


def test_a_market_kit_prints_a_card_per_account_and_every_qr_reads_back(client, market_of_stalls):
    market, stalls = market_of_stalls
    response = client.get(f"/api/v1/markets/{market.code}/kits.pdf", headers=auth_header(make_user("admin")))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pages_of(response.data)
    expected = [(vendor.stall_code, account) for vendor in stalls for account in vendor.accounts]
    assert len(pages) == len(expected) == 4  # the stall with two accounts has two cards
    for (text, codes), (stall_code, account) in zip(pages, expected, strict=True):
        [(decoded, width_cm)] = codes
        assert decoded == build(account.bin, account.account_number)
        assert width_cm >= 4.0
        for wanted in (
            "Chợ Phố Cáo",
            stall_code,
            account.account_name,
            account.account_number,
            "Quét mã QR để thanh toán",
            "VietQR",
            "NAPAS 247",
            "Mã kiểm tra",
            "In ngày",
        ):
            assert wanted in text, (wanted, text)


def test_four_cards_share_an_a4_sheet(client, market_of_stalls):
    market, stalls = market_of_stalls
    response = client.get(
        f"/api/v1/markets/{market.code}/kits.pdf?layout=a4x4",
        headers=auth_header(make_user("market_manager", market.code)),
    )
    assert response.status_code == 200
    pages = pages_of(response.data)
    assert len(pages) == 1
    decoded = sorted(text for text, _ in pages[0][1])
    assert decoded == sorted(build(a.bin, a.account_number) for v in stalls for a in v.accounts)
    assert all(width >= 4.0 for _, width in pages[0][1])


def test_a_stall_prints_its_own_kit(client, market_of_stalls):
    _, stalls = market_of_stalls
    vendor = stalls[1]
    response = client.get(
        f"/api/v1/vendors/{vendor.id}/kit.pdf", headers=auth_header(make_user("vendor", scope_of(vendor)))
    )
    assert response.status_code == 200
    assert [codes[0][0] for _, codes in pages_of(response.data)] == [
        build(a.bin, a.account_number) for a in vendor.accounts
    ]


def test_an_unchanged_kit_is_not_rebuilt(client, market_of_stalls):
    market, _ = market_of_stalls
    headers = auth_header(make_user("admin"))
    first = client.get(f"/api/v1/markets/{market.code}/kits.pdf", headers=headers)
    again = client.get(
        f"/api/v1/markets/{market.code}/kits.pdf", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_who_may_print(client, market_of_stalls):
    market, stalls = market_of_stalls
    other_market = make_market()
    kit = f"/api/v1/markets/{market.code}/kits.pdf"
    assert client.get(kit, headers=auth_header(make_user("market_manager", other_market.code))).status_code == 403
    assert client.get(kit, headers=auth_header(make_user("vendor", scope_of(stalls[0])))).status_code == 403
    assert client.get(kit, headers=auth_header(make_user("region_staff", market.region.code))).status_code == 200
    own = f"/api/v1/vendors/{stalls[0].id}/kit.pdf"
    assert client.get(own, headers=auth_header(make_user("vendor_assistant", scope_of(stalls[0])))).status_code == 403
    assert client.get(own, headers=auth_header(make_user("vendor", scope_of(stalls[1])))).status_code == 403


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v1/markets/NOPE/kits.pdf", 404),
        ("/api/v1/markets/{market}/kits.pdf?layout=a3", 422),
        ("/api/v1/markets/{market}/kits.pdf?layout=a6&x=1", 422),
        ("/api/v1/vendors/999999/kit.pdf", 404),
    ],
)
def test_bad_kit_requests(client, market_of_stalls, path, status):
    market, _ = market_of_stalls
    response = client.get(path.format(market=market.code), headers=auth_header(make_user("admin")))
    assert response.status_code == status
    assert response.get_json()["code"] == status


@pytest.mark.parametrize("query", ["?layout=a3", "?layout=a6&x=1", "?lang=en"])
def test_scope_is_decided_before_the_kit_query_is_read(client, market_of_stalls, query):
    """Someone who may not print these cards is refused (403) whatever the query says: nothing
    of it is validated for them. Those who may are told what is wrong with it (422)."""
    market, stalls = market_of_stalls
    other_market = make_market()
    kits, kit = f"/api/v1/markets/{market.code}/kits.pdf{query}", f"/api/v1/vendors/{stalls[0].id}/kit.pdf{query}"
    for outsider in (
        make_user("market_manager", other_market.code),
        make_user("vendor", scope_of(stalls[1])),
        make_user("vendor_assistant", scope_of(stalls[0])),
    ):
        for path in (kits, kit):
            refused = client.get(path, headers=auth_header(outsider))
            assert refused.status_code == 403, (outsider.role, path, refused.get_json())
            assert set(refused.get_json()["errors"]) <= {"who_can"}, refused.get_json()
    admin = auth_header(make_user("admin"))
    assert client.get(kits, headers=admin).status_code == 422
    assert client.get(kit, headers=admin).status_code == 422
    assert client.get(f"/api/v1/markets/NOPE/kits.pdf{query}", headers=admin).status_code == 404


def test_a_suspended_stall_is_left_out_and_not_printed_alone(client, market_of_stalls):
    market, stalls = market_of_stalls
    admin = auth_header(make_user("admin"))
    assert (
        client.post(f"/api/v1/vendors/{stalls[2].id}/suspend", json={"reason": "bỏ sạp"}, headers=admin).status_code
        == 200
    )
    assert client.get(f"/api/v1/vendors/{stalls[2].id}/kit.pdf", headers=admin).status_code == 409
    pages = pages_of(client.get(f"/api/v1/markets/{market.code}/kits.pdf", headers=admin).data)
    assert len(pages) == 3


def test_the_command_line_builds_a_market_kit(runner, market_of_stalls, tmp_path):
    market, _ = market_of_stalls
    output = tmp_path / "kit.pdf"
    result = runner.invoke(args=["kits", "build", "--market", market.code, "--layout", "a4x4", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "4 card(s)" in result.output and output.read_bytes().startswith(b"%PDF")
    assert runner.invoke(args=["kits", "build", "-o", str(output)]).exit_code != 0


def test_the_card_prints_the_verify_address_of_the_request_host_or_the_configured_one(app, client, market_of_stalls):
    _market, stalls = market_of_stalls
    headers = auth_header(make_user("vendor", scope_of(stalls[0])))
    [(text, codes)] = pages_of(client.get(f"/api/v1/vendors/{stalls[0].id}/kit.pdf", headers=headers).data)
    assert "Kiểm tra mã thật: localhost/verify" in text and len(codes) == 1
    app.config["PUBLIC_BASE_URL"] = "https://cho.example.vn/"
    try:
        [(text, codes)] = pages_of(client.get(f"/api/v1/vendors/{stalls[0].id}/kit.pdf", headers=headers).data)
    finally:
        app.config["PUBLIC_BASE_URL"] = None
    assert "Kiểm tra mã thật: cho.example.vn/verify" in text
    assert [decoded for decoded, _ in codes] == [build("970436", "0011001234567")]

"""VietQR codec and rendering benchmark, side by side with published peers in one process.

Peers (benchmark-only dependencies: `pip install -e ".[bench]"`):
- napas-qr-python (`qr_pay`) and vietnam-qr-pay (`vietnam_qr_pay`): encode and decode;
- `qrcode`'s own one-call PNG (`qrcode.make(...).save`), the naive way we would otherwise render;
- zxing-cpp's C++ QR writer (+ the same Pillow PNG encoder) as the rendering ceiling.

Every implementation is checked to produce/accept the same payload before it is timed. Each
figure is the median of several repeats (the machine is shared and noisy); ratios compare
medians from the same run. Run on one core:  taskset -c 0 .venv/bin/python bench/bench_vietqr.py
"""

import argparse
import statistics
import sys
import timeit
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qr_pay
import qrcode
import vietnam_qr_pay
import zxingcpp
from PIL import Image

from market_pay.vietqr.codec import build, parse
from market_pay.vietqr.rendering import render_cached, render_png

BIN, ACCOUNT, AMOUNT, PURPOSE = "970436", "0011001234567", 50_000, "THANH TOAN SAP 12"
DYNAMIC = build(BIN, ACCOUNT, amount=AMOUNT, purpose=PURPOSE)
STATIC = build("970422", "0352350917")
PIXELS = 480


def ops_per_second(func, repeats: int, seconds: float) -> float:
    """Median ops/s over `repeats` runs of about `seconds` each."""
    number = max(1, int(seconds / max(timeit.timeit(func, number=3) / 3, 1e-9)))
    return statistics.median(number / t for t in timeit.repeat(func, number=number, repeat=repeats))


def zxing_png(payload: str) -> bytes:
    barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    modules = memoryview(barcode.to_image(scale=1)).shape[0]
    view = memoryview(barcode.to_image(scale=max(1, PIXELS // modules)))
    image = Image.frombuffer("L", (view.shape[1], view.shape[0]), bytes(view), "raw", "L", 0, 1)
    out = BytesIO()
    image.convert("1").save(out, format="PNG", optimize=True)
    return out.getvalue()


def qrcode_make_png(payload: str) -> bytes:
    out = BytesIO()
    qrcode.make(payload, error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4).save(out)
    return out.getvalue()


def check_equivalence():
    """Refuse to time implementations that do not do the same job."""
    assert qr_pay.QRPay(BIN, ACCOUNT, transaction_amount=AMOUNT, purpose_of_transaction=PURPOSE).code == DYNAMIC
    assert (
        vietnam_qr_pay.QRPay.init_viet_qr(
            bank_bin=BIN, bank_number=ACCOUNT, amount=str(AMOUNT), purpose=PURPOSE
        ).build()
        == DYNAMIC
    )
    assert qr_pay.decode(DYNAMIC)["consumer_id"] == ACCOUNT
    assert vietnam_qr_pay.QRPay(DYNAMIC).consumer.bank_number == ACCOUNT
    assert parse(DYNAMIC).account == ACCOUNT
    for render in (render_png, zxing_png, qrcode_make_png):
        image = Image.open(BytesIO(render(DYNAMIC)))
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [DYNAMIC], render.__name__


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="length of one timed run")
    args = parser.parse_args()
    check_equivalence()
    cases = {
        "encode dynamic": {
            "market_pay": lambda: build(BIN, ACCOUNT, amount=AMOUNT, purpose=PURPOSE),
            "napas-qr-python": lambda: (
                qr_pay.QRPay(BIN, ACCOUNT, transaction_amount=AMOUNT, purpose_of_transaction=PURPOSE).code
            ),
            "vietnam-qr-pay": lambda: vietnam_qr_pay.QRPay.init_viet_qr(
                bank_bin=BIN, bank_number=ACCOUNT, amount=str(AMOUNT), purpose=PURPOSE
            ).build(),
        },
        "encode static": {
            "market_pay": lambda: build("970422", "0352350917"),
            "napas-qr-python": lambda: qr_pay.QRPay("970422", "0352350917", point_of_initiation_method="STATIC").code,
            "vietnam-qr-pay": lambda: vietnam_qr_pay.QRPay.init_viet_qr(
                bank_bin="970422", bank_number="0352350917"
            ).build(),
        },
        "parse dynamic": {
            "market_pay": lambda: parse(DYNAMIC),
            "napas-qr-python": lambda: qr_pay.decode(DYNAMIC),
            "vietnam-qr-pay": lambda: vietnam_qr_pay.QRPay(DYNAMIC),
        },
        "parse static": {
            "market_pay": lambda: parse(STATIC),
            "napas-qr-python": lambda: qr_pay.decode(STATIC),
            "vietnam-qr-pay": lambda: vietnam_qr_pay.QRPay(STATIC),
        },
        f"render PNG {PIXELS}px": {
            "market_pay": lambda: render_png(DYNAMIC, PIXELS),
            "qrcode.make().save()": lambda: qrcode_make_png(DYNAMIC),
            "zxing-cpp writer (C++)": lambda: zxing_png(DYNAMIC),
        },
        "repeat static PNG": {
            "market_pay (cached)": lambda: render_cached(STATIC, "png", PIXELS),
            "qrcode.make().save()": lambda: qrcode_make_png(STATIC),
        },
    }
    print(f"{'case':<20} {'implementation':<24} {'ops/s (median)':>15} {'market_pay ×':>13}")
    for case, implementations in cases.items():
        ours = None
        for name, func in implementations.items():
            rate = ops_per_second(func, args.repeats, args.seconds)
            ours = ours or rate
            print(f"{case:<20} {name:<24} {rate:>15,.0f} {ours / rate:>12.2f}×")


if __name__ == "__main__":
    main()

"""`market-pay qr encode|decode|image`: the names and output keys support scripts rely on."""

import json
import subprocess
import sys

from click.testing import CliRunner

from market_pay.vietqr.cli import qr_cli
from market_pay.vietqr.codec import build
from tests.qr_reader import decoded_texts

WORKED = build("970436", "0011001234567", amount=50_000, purpose="THANH TOAN SAP 12")


def run(*args):
    return CliRunner().invoke(qr_cli, list(args))


def test_encode_prints_the_payload():
    result = run(
        "encode", "--bin", "970436", "--account", "0011001234567", "--amount", "50000", "--purpose", "THANH TOAN SAP 12"
    )
    assert result.exit_code == 0 and result.output.strip() == WORKED


def test_encode_names_the_bad_field_and_exits_1():
    result = run("encode", "--bin", "97", "--account", "1")
    assert result.exit_code == 1 and "bin" in result.output


def test_decode_prints_one_json_object_with_the_documented_keys():
    result = run("decode", WORKED)
    assert result.exit_code == 0
    decoded = json.loads(result.output)
    assert list(decoded) == [
        "point_of_initiation",
        "bin",
        "bank",
        "account",
        "service_code",
        "amount",
        "currency",
        "country",
        "merchant_name",
        "merchant_city",
        "bill_number",
        "reference_label",
        "terminal_label",
        "purpose",
        "crc",
    ]
    assert (
        decoded["point_of_initiation"] == "dynamic" and decoded["amount"] == 50000 and decoded["bank"] == "Vietcombank"
    )


def test_decode_of_an_unknown_bin_gives_a_null_bank():
    assert json.loads(run("decode", build("123456", "1")).output)["bank"] is None


def test_invalid_payload_exits_1_with_the_error_on_stderr():
    process = subprocess.run(
        [sys.executable, "-m", "market_pay.cli", "qr", "decode", WORKED[:-1] + "0"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert process.returncode == 1 and process.stdout == ""
    assert "CRC mismatch" in process.stderr


def test_image_writes_a_png_and_an_svg_that_read_back(tmp_path):
    for image_format in ("png", "svg"):
        out = tmp_path / f"code.{image_format}"
        result = run("image", WORKED, "--format", image_format, "-o", str(out), "--size", "300")
        assert result.exit_code == 0, result.output
        assert decoded_texts(out.read_bytes(), image_format) == [WORKED]


def test_the_qr_commands_work_without_any_server_configuration():
    # No MARKET_PAY_SECRET_KEY, no database: support staff can still decode a code.
    process = subprocess.run(
        [sys.executable, "-m", "market_pay.cli", "qr", "decode", WORKED],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout)["account"] == "0011001234567"


def test_decode_reads_a_banks_merchant_code_with_a_utf8_name_warning_on_stderr():
    from tests.vietqr.test_read_wild import merchant_code

    result = CliRunner().invoke(qr_cli, ["decode", merchant_code(name="CỬA HÀNG ĐỒNG XANH")])
    assert result.exit_code == 0
    decoded = json.loads(result.stdout)
    assert decoded["service_code"] == "QRPUSH" and decoded["merchant_name"] == "CỬA HÀNG ĐỒNG XANH"
    assert "Warning:" in result.stderr and "UTF-8" in result.stderr and "warnings" not in decoded

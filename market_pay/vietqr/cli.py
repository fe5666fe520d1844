"""`market-pay qr`: VietQR payloads and images for support staff (no configuration, no database)."""

import json
from pathlib import Path

import click

qr_cli = click.Group("qr", help="VietQR payloads and images (no database needed).")


@qr_cli.command("encode")
@click.option("--bin", "bin_code", required=True, help="6-digit bank BIN.")
@click.option("--account", required=True)
@click.option("--amount", type=int, default=None, help="Whole đồng; makes a dynamic code.")
@click.option("--purpose", default=None, help="Transfer content (62.08).")
@click.option("--service", default="QRIBFTTA", show_default=True)
@click.option("--bill-number", default=None)
@click.option("--reference-label", default=None)
@click.option("--merchant-name", default=None)
@click.option("--city", default=None)
def qr_encode(bin_code, account, amount, purpose, service, bill_number, reference_label, merchant_name, city):
    """Print the payload for an account."""
    from .codec import VietQRError, build

    try:
        click.echo(
            build(
                bin_code,
                account,
                amount=amount,
                purpose=purpose,
                service_code=service,
                bill_number=bill_number,
                reference_label=reference_label,
                merchant_name=merchant_name,
                merchant_city=city,
            )
        )
    except VietQRError as error:
        raise click.ClickException(str(error)) from None


@qr_cli.command("decode")
@click.argument("payload")
def qr_decode(payload):
    """Print every field of PAYLOAD as one JSON object.

    Reads every real VietQR form (merchant QRPUSH, ATM QRCASH, UTF-8 text); where the code bends
    the standard, says so on stderr ("Warning: …") and still exits 0.
    """
    from .codec import VietQRError, read
    from .decoding import decoded_fields

    try:
        reading = read(payload)
        for warning in reading.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(json.dumps(decoded_fields(reading.code), ensure_ascii=False))
    except VietQRError as error:
        raise click.ClickException(str(error)) from None


@qr_cli.command("image")
@click.argument("payload")
@click.option("--format", "image_format", type=click.Choice(["png", "svg"]), default="png", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--size", type=click.IntRange(64, 4000), default=480, show_default=True, help="Pixels.")
def qr_image(payload, image_format, output, size):
    """Write PAYLOAD as a QR image (error correction Q, 4-module quiet zone)."""
    from .codec import VietQRError, parse
    from .rendering import render_png, render_svg

    try:
        parse(payload)
    except VietQRError as error:
        raise click.ClickException(str(error)) from None
    Path(output).write_bytes((render_png if image_format == "png" else render_svg)(payload, size))
    click.echo(f"Wrote {output}")

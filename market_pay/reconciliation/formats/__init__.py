"""Statement formats: which one a file is, and its reader (docs/STATEMENTS.md).

Every reader yields (row or line number, normalized row) — see common.py — so the checking pass,
the balance chain, the integrity rules and the classification are the same for every format.
Detection is by content, never by the file's name: a ZIP signature with a known bank header is a
bank's XLSX export, a camt namespace or root is camt.053/054, `:20:` with `:25:`/`:60F:` is MT940,
anything else is read as our CSV (whose errors then name the missing columns).
"""

from ..statement_file import StatementUnreadable

CSV = "csv"
# A day pulled from an aggregator's API (reconciliation/pull/): our CSV's columns, written by the
# pull itself, with the partner's ids but no balances. Never detected nor offered for an upload.
PULLED = "pulled"
FORMATS = ("csv", "mt940", "camt053", "camt054", "xlsx")
SNIFF_BYTES = 4096


def format_choices() -> list:
    """Names accepted by --format / the upload's `format`: xlsx alone (the layout found by its
    header) or xlsx-<layout> (that bank's header only)."""
    from .xlsx import layout_names

    return list(FORMATS) + [f"xlsx-{name}" for name in layout_names()]


def parse_account(text: str | None) -> tuple | None:
    """ "970436/0011001234567" → ("970436", "0011001234567"); ValueError when it is not that."""
    if not text:
        return None
    bin_code, _, number = text.strip().partition("/")
    if not (
        len(bin_code) == 6 and bin_code.isdigit() and 4 <= len(number) <= 19 and number.isalnum() and number.isascii()
    ):
        raise ValueError(
            "BIN/NUMBER: the bank's six-digit BIN, a slash, the account number (e.g. 970436/0011001234567)."
        )
    return bin_code, number


def carries_ids(name: str) -> bool:
    """Only our CSV and a pulled day carry the partner's transaction id; the others are matched by
    money."""
    return name in (CSV, PULLED)


def carries_balances(name: str) -> bool:
    """Whether every line must carry the balance after it: our CSV does; a bank's format may; an
    aggregator's list does not reliably (its balance field is empty for some banks)."""
    return name == CSV


def read_as_csv(name: str) -> bool:
    """Formats whose file already is our CSV's columns: read directly, never spooled again."""
    return name in (CSV, PULLED)


def detect(path) -> str:
    with open(path, "rb") as handle:
        head_bytes = handle.read(SNIFF_BYTES)
    if head_bytes.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = head_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
    from . import camt, mt940

    if head.lstrip().startswith("<") and camt.looks_like(head):
        return "camt054" if ("camt.054" in head or "BkToCstmrDbtCdtNtfctn" in head) else "camt053"
    if mt940.looks_like(head):
        return "mt940"
    # Anything else is read as our CSV, whose reader names what its header lacks (or that the file
    # is not UTF-8 text at all).
    return CSV


def open_rows(path, name: str, account=None, camt_schema=None):
    """The reader of format `name` over `path`: (number, row) pairs; the unit that numbers them."""
    if name in (CSV, PULLED):
        from ..statement_file import open_csv_rows

        return open_csv_rows(path), "row"
    if name == "mt940":
        from . import mt940

        return mt940.read(path, account), mt940.UNIT
    if name in ("camt053", "camt054"):
        from . import camt

        return camt.read(path, account, camt_schema), camt.UNIT
    if name == "xlsx" or name.startswith("xlsx-"):
        from . import xlsx

        return xlsx.read(path, account, name[5:] or None), xlsx.UNIT
    raise StatementUnreadable(
        f"Unknown statement format {name!r}.", {"format": [f"One of: {', '.join(format_choices())}."]}
    )

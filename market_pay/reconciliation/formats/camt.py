"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), read with lxml's
iterparse: each entry is cleared as soon as it is turned into a row (its empty shell removed
with the next batch), so memory stays flat.

Mapping (any camt.053/054 version: elements are matched by local name): `Stmt`/`Ntfctn` is an
account's block; its `Acct/Id/IBAN` or `Acct/Id/Othr/Id` the account (Vietnam has no IBAN, so
`Othr/Id` is what Vietnamese banks fill; "BIN/NUMBER" is accepted there too); the BIN from the
servicer's `ClrSysMmbId/MmbId` or `Othr/Id` when it is six digits, else from --account. `Bal` with
`OPBD`/`PRCD` is the opening and `CLBD` the closing balance (camt.054 has none: its lines are not
chained). Each booked `Ntry` is a line: `Amt` (VND, whole đồng), `CdtDbtInd`, `BookgDt/DtTm` (or
`Dt`, a day without time), `AcctSvcrRef` (else `NtryRef`) as the bank reference, the remittance
text (`Ustrd`) or `AddtlNtryInf` as the content. Pending entries (`Sts` other than BOOK) are not
money yet and are skipped. Optional schema validation: config CAMT_SCHEMA_PATH (an XSD), off by
default.
"""

from lxml import etree

from ..statement_file import StatementUnreadable
from .common import dong, resolve_account, row, split_account

UNIT = "line"
_TAGS = ("{*}Acct", "{*}Bal", "{*}Ntry", "{*}Stmt", "{*}Ntfctn")
_DIRECTIONS = {"CRDT": "in", "DBIT": "out"}
# Finished entries are cleared at once and their empty shells removed every this many: removing
# them one by one cost more than reading the entry (memory holds at most this many shells).
_SIBLINGS_KEPT = 64


def looks_like(head: str) -> bool:
    return "camt.053" in head or "camt.054" in head or "<BkToCstmrStmt" in head or "<BkToCstmrDbtCdtNtfctn" in head


def _local(element) -> str:
    return element.tag.rpartition("}")[2]


def _child(element, *path):
    """The first descendant along `path` (local names, any namespace: camt has many versions)."""
    if element is None:
        return None
    return element.find("/".join("{*}" + name for name in path))


def _text(element, *path) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _unreadable(number, message):
    where = f"{UNIT} {number}" if number else "file"  # a schema error may come without its line
    return StatementUnreadable("The camt file cannot be read; nothing was reconciled.", {where: [message]})


def _account(element, given, number):
    identity = _text(element, "Id", "IBAN") or _text(element, "Id", "Othr", "Id")
    bin_code, account = split_account(identity)
    agent = _child(element, "Svcr", "FinInstnId")
    for candidate in (_text(agent, "ClrSysMmbId", "MmbId"), _text(agent, "Othr", "Id")):
        if bin_code is None and len(candidate) == 6 and candidate.isdigit():
            bin_code = candidate
    return resolve_account(bin_code, account, given, f"{UNIT} {number}")


def _children(element, names: dict) -> dict:
    """Direct children by local name (the first of each): one pass instead of a search per field,
    which made the entry loop ten times slower than the XML parse itself. `names` caches each
    qualified tag's local name: a document has a handful, met a million times."""
    found: dict = {}
    for child in element:
        tag = child.tag
        local = names.get(tag)
        if local is None:
            if not isinstance(tag, str):  # a comment or processing instruction
                continue
            local = names[tag] = tag.rpartition("}")[2]
        if local not in found:
            found[local] = child
    return found


def _value(element) -> str:
    """The text of an element, or of its first child (Sts/Cd, BookgDt/DtTm or Dt in any version)."""
    if element is None:
        return ""
    if len(element):
        element = element[0]
    return (element.text or "").strip()


def _content(entry) -> str:
    texts = [u.text.strip() for u in entry.iter("{*}Ustrd") if u.text and u.text.strip()]
    return " ".join(" ".join(texts).split())


def read(path, account=None, schema_path=None):
    schema = etree.XMLSchema(etree.parse(schema_path)) if schema_path else None
    block = None  # {"account": (bin, number), "opening": .., "closing": .., "opened": bool, "row": n}
    names: dict = {}  # qualified tag → local name (_children)
    entries = 0
    try:
        events = etree.iterparse(
            str(path),
            events=("end",),
            tag=_TAGS,
            schema=schema,
            huge_tree=False,
            resolve_entities=False,
            no_network=True,
        )
        for _, element in events:
            name = names.get(element.tag) or names.setdefault(element.tag, _local(element))
            number = element.sourceline or 0
            if name == "Acct":
                parent = element.getparent()
                if parent is not None and _local(parent) in ("Stmt", "Ntfctn"):
                    block = {
                        "account": _account(element, account, number),
                        "opening": None,
                        "closing": None,
                        "opened": False,
                        "row": number,
                    }
                continue
            if name == "Bal":
                if block is None:
                    continue
                code = _text(element, "Tp", "CdOrPrtry", "Cd")
                amount = _child(element, "Amt")
                if code in ("OPBD", "PRCD", "CLBD"):
                    if amount is None or amount.get("Ccy", "VND") != "VND":
                        raise _unreadable(number, "A balance must be an amount in VND.")
                    value = dong(amount.text)
                    if value is None:
                        raise _unreadable(number, "A balance must be a whole number of đồng.")
                    if _text(element, "CdtDbtInd") == "DBIT":
                        value = str(-int(value))
                    block["closing" if code == "CLBD" else "opening"] = value
                    if code == "CLBD":
                        block["closing_row"] = number
                element.clear()
                continue
            if name == "Ntry":
                if block is None:
                    raise _unreadable(number, "An entry outside a statement's account (Stmt/Acct).")
                if not block["opened"]:
                    block["opened"] = True
                    yield block["row"], _frame("opening", block)
                fields = _children(element, names)
                status = _value(fields.get("Sts"))
                if not status or status == "BOOK":  # pending entries are not money yet
                    yield number, _entry(element, fields, number, block["account"])
                entries += 1
                element.clear()
                if not entries % _SIBLINGS_KEPT:
                    _drop(element)  # the cleared entries before this one (a few empty shells)
                continue
            if name in ("Stmt", "Ntfctn") and block is not None:
                if not block["opened"]:
                    yield block["row"], _frame("opening", block)
                # The closing balance's own line: libxml2 numbers a Stmt that starts past line 65535
                # by whatever of its children is left (they are freed as they are read).
                yield block.get("closing_row") or number, _frame("closing", block)
                block = None
                _drop(element)
    except etree.XMLSyntaxError as error:
        last = error.error_log.last_error  # type: ignore[attr-defined]  # lxml has it; lxml-stubs 0.5 lacks it
        if last is not None and "SCHEMA" in (last.domain_name or ""):
            raise _unreadable(last.line or 0, f"Not valid against the camt schema: {last.message}") from None
        raise _unreadable(error.lineno or 0, f"Not well-formed XML: {error.msg}") from None
    except etree.DocumentInvalid as error:
        raise _unreadable(0, f"Not valid against the camt schema: {error}") from None


def _entry(element, fields: dict, number: int, account: tuple) -> list:
    """A booked `Ntry` as a normalized row."""
    amount = fields.get("Amt")
    currency = amount.get("Ccy", "") if amount is not None else ""
    if amount is None or currency != "VND":
        raise _unreadable(number, f"An entry in {currency or 'no currency'}; only VND is reconciled.")
    value = dong(amount.text)
    indicator = _value(fields.get("CdtDbtInd"))
    reference = (
        _value(fields.get("AcctSvcrRef"))
        or _text(element, "NtryDtls", "TxDtls", "Refs", "AcctSvcrRef")
        or _value(fields.get("NtryRef"))
    )
    content = _content(element) or " ".join(_value(fields.get("AddtlNtryInf")).split())
    return [
        "",
        reference,
        _value(fields.get("BookgDt")) or _value(fields.get("ValDt")),
        account[0],
        account[1],
        _DIRECTIONS.get(indicator, indicator),
        value if value is not None else (amount.text or ""),
        content,
        "",
    ]


def _frame(kind, block):
    bin_code, number = block["account"]
    return row(bin_code=bin_code, account=number, direction=kind, balance=block[kind] or "")


def _drop(element):
    """Free what is parsed so far: the element and the finished siblings before it."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]

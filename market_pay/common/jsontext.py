"""Parsing JSON from a client with a bound on nesting. Pure module: bytes in, values out.

`json.loads` recurses once per level: `[` × 100,000 raised RecursionError (a 500), and a body
nested just under the interpreter's limit parses, then breaks whatever recurses over it next
(marshmallow, `json.dumps` for a payOS signature). No message of ours nests beyond a few levels,
so anything deeper than MAX_DEPTH is refused as unreadable, as cheaply as possible: a body with
fewer brackets than the bound cannot be too deep and skips the check.

A string holding a lone surrogate ("\\ud800" escaped in the JSON) is not text: it cannot be
encoded as UTF-8, so PostgreSQL's driver (or a signature's canonical string) failed on it with a
500. Such a document is refused too; the check runs only when the body has such an escape (a
surrogate pair, e.g. an emoji written as two escapes, is fine and becomes one character).
"""

import json
import re

MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    """The document nests arrays/objects deeper than allowed (a ValueError, like any bad JSON)."""


class JsonNotText(ValueError):
    """A string in the document holds a lone surrogate (a ValueError, like any bad JSON)."""


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH):
    """json.loads, refusing documents nested deeper than `max_depth` (JsonTooDeep) or holding a
    string that is not text (JsonNotText). Bytes must be UTF-8 (RFC 8259 §8.1; a BOM is skipped):
    json.loads would also take UTF-16, whose lone surrogates would need a full walk to find.

    Raises ValueError (json.JSONDecodeError, JsonTooDeep, JsonNotText) or UnicodeDecodeError.
    """
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if text.count("[") + text.count("{") > max_depth and _depth_exceeds(value, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise JsonNotText("a JSON string holds a lone surrogate, which is not text")
    return value


def _has_lone_surrogate(value) -> bool:
    """Whether any key or string in `value` cannot be encoded as UTF-8; iterative."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


def _depth_exceeds(value, max_depth: int) -> bool:
    """Whether any array/object lies deeper than `max_depth`; iterative, so it cannot recurse."""
    pending = [(value, 1)] if isinstance(value, (dict, list)) else []
    while pending:
        node, depth = pending.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False

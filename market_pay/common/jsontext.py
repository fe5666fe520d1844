"""Parsing JSON from a client with a bound on nesting. Pure module: bytes in, values out.

`json.loads` recurses once per level: `[` × 100,000 raised RecursionError (a 500), and a body
nested just under the interpreter's limit parses, then breaks whatever recurses over it next
(marshmallow, `json.dumps` for a payOS signature). No message of ours nests beyond a few levels,
so anything deeper than MAX_DEPTH is refused as unreadable, as cheaply as possible: a body with
fewer brackets than the bound cannot be too deep and skips the check.
"""
import json

MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    """The document nests arrays/objects deeper than allowed (a ValueError, like any bad JSON)."""


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH):
    """json.loads, refusing documents nested deeper than `max_depth` (JsonTooDeep).

    Raises ValueError (json.JSONDecodeError, JsonTooDeep) or UnicodeDecodeError like json.loads.
    """
    brackets = raw.count(b"[" if isinstance(raw, bytes) else "[") + raw.count(b"{" if isinstance(raw, bytes) else "{")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if brackets > max_depth and _depth_exceeds(value, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


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

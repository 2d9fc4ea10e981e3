"""How deeply a JSON text nests, found without parsing it.

Parsers recurse once per level: a body of a thousand `[` sets off a RecursionError in the
parser or in validation. Bodies are checked against the limit before anything parses them.
"""

MAX_JSON_DEPTH = 32

_OPENERS_AS_ONE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def nests_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in `body` nest more than `limit` levels deep.

    All of it in C: strings are cut out, then the brackets left lose their innermost level
    per pass; a run of more than `limit` openers ends the search at once. Malformed text
    answers False (the parser then says it is malformed)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    # Inside a string an escaped backslash or quote is not the string's end; what remains
    # between quotes is string content, every other part is structure.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = b"".join(unescaped.split(b'"')[::2])
    brackets = structure.translate(_OPENERS_AS_ONE, _NOT_BRACKETS)
    too_deep = b"[" * (limit + 1)
    for _level in range(limit):
        if too_deep in brackets:
            return True
        inner = brackets.replace(b"[]", b"")
        if inner == brackets:
            return False  # unbalanced
        brackets = inner
    return bool(brackets)

"""The words of a /steward command: text split into tokens, and a value quoted back into text.

A token is a run of non-space characters, except that
- a quote at the start of a word, or right after its first `=`, runs to its closing quote
  (straight quotes and the typographic ones Slack clients insert: “…” ‘…’ «…» „…“ ‹…›);
- a `{` or `[` in those places runs to its matching bracket, so JSON may hold spaces;
- a Slack entity (`<@U123|anna>`, `<mailto:…|…>`, `<https://…|…>`) is one piece, spaces and all.
`name = value`, `name= value` and `name =value` are read as `name=value`; after a bare `name=`
the next word is its value unless that word is itself a `name=value` pair.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, replace

#: Each opening quote and the quotes that close it.
QUOTES = {
    '"': '"',
    "'": "'",
    "“": "”",
    "”": "”",
    "„": "“”",
    "‘": "’",
    "’": "’",
    "‚": "‘’",
    "«": "»",
    "»": "«",
    "‹": "›",
}
BRACKETS = {"{": "}", "[": "]"}
#: The quotes `quote` prefers, in order; every opener is tried so that any value that can be
#: typed in some quotes can be written back.
_PREFERRED = ('"', "«", "“", "'", "‘", "„", "‹", "»", "‚", "”", "’")
#: Each opening quote's closers as one character class: a search stops at the first of them,
#: where looking for each closer in turn would read to the end of the text for a closer that
#: never comes, once for every quote.
_CLOSER = {opener: re.compile(f"[{re.escape(closers)}]") for opener, closers in QUOTES.items()}
#: No quantifier but the last, which cannot run past a `<` or `>`: one pass, and the pass from
#: one `<` ends at the next.
_ENTITY = re.compile(r"<(?:[@#!]|mailto:|tel:|https?://)[^<>]*>")


class Unreadable(ValueError):
    """The text cannot be split into words (a quote or bracket left open). Never holds the text."""


@dataclass(frozen=True)
class Token:
    """One word. `key` is the part before its first unquoted `=` (None when there is none);
    `value` is the rest, or the whole word, without its quotes; `raw` is the word as typed,
    which `start`/`end` index in the text."""

    value: str
    key: str | None = None
    quoted: bool = False
    start: int = 0
    end: int = 0
    raw: str = ""

    @property
    def dangling(self) -> bool:
        """`name=` with nothing after it (yet)."""
        return self.key is not None and not self.value and not self.quoted

    def word(self) -> str:
        """The word as a keyword: lower-cased, or "" when it was quoted or is a pair."""
        return self.value.lower() if self.key is None and not self.quoted else ""


def tokens(text: str) -> list[Token]:
    """The words of `text`, as the module docstring says; `Unreadable` for an unclosed quote."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        token = _token(text, i)
        i = token.end
        prev = out[-1] if out else None
        if prev is not None and prev.key is None and not prev.quoted and token.key == "":
            # `name =value`, `name = value`
            out[-1] = replace(token, key=prev.value, start=prev.start, raw=text[prev.start : token.end])
        elif prev is not None and prev.dangling and token.key is None:
            # `name= value`
            out[-1] = replace(
                prev, value=token.value, quoted=token.quoted, end=token.end, raw=text[prev.start : token.end]
            )
        else:
            out.append(token)
    return out


def _token(text: str, start: int) -> Token:
    key: str | None = None
    parts: list[str] = []
    quoted = False
    i = start
    while i < len(text) and not text[i].isspace():
        ch = text[i]
        at_value = not parts
        if at_value and ch in QUOTES:
            closer = _CLOSER[ch].search(text, i + 1)
            if closer is None:
                raise Unreadable(f"the quote {ch} is not closed")
            end = closer.start()
            parts.append(text[i + 1 : end])
            quoted, i = True, end + 1
            if i < len(text) and not text[i].isspace():
                raise Unreadable(f"leave a space after the closing quote {text[end]}")
            break
        if at_value and ch in BRACKETS:
            end = _bracket_end(text, i)
            parts.append(text[i:end])
            i = end
            continue
        entity = _ENTITY.match(text, i) if ch == "<" else None
        if entity:
            parts.append(entity.group())
            i = entity.end()
        elif ch == "=" and key is None:
            key, parts = "".join(parts), []
            i += 1
        else:
            parts.append(ch)
            i += 1
    return Token("".join(parts), key, quoted, start, i, text[start:i])


def _bracket_end(text: str, i: int) -> int:
    """The index after the bracket matching the one at `i`; JSON strings are skipped."""
    depth, j, in_string = 0, i, False
    while j < len(text):
        ch = text[j]
        if in_string:
            if ch == "\\":
                j += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in BRACKETS:
            depth += 1
        elif ch in BRACKETS.values():
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise Unreadable(f"the {text[i]} is not closed")


def quote(value: str) -> str:
    """`value` as it must be typed to read back as itself: bare when it can be, else in the
    first kind of quotes whose closer it does not contain."""
    if not needs_quotes(value):
        return value
    for opener in _PREFERRED:
        closers = QUOTES[opener]
        if not any(c in value for c in closers):
            return f"{opener}{value}{closers[0]}"
    raise Unreadable("a value holding every kind of closing quote cannot be written in a command")


def needs_quotes(value: str) -> bool:
    return (
        not value
        or value.lower() == "null"
        or value[0] in QUOTES
        or value[0] in BRACKETS
        or "<" in value
        or any(ch.isspace() for ch in value)
    )


def list_end(words: Sequence[Token], i: int, stop: Container[str] = ()) -> int:
    """The index of the last word of the comma-separated list that starts at `i`, which may be
    written with spaces after or before its commas (`a, b`, `a ,b`); a keyword in `stop` ends it."""
    while (
        i + 1 < len(words)
        and words[i + 1].word() not in stop
        and words[i].key is None
        and words[i + 1].key is None
        and not words[i].quoted
        and not words[i + 1].quoted
        and (words[i].value.endswith(",") or words[i + 1].value.startswith(","))
    ):
        i += 1
    return i

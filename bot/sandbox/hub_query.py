"""The part of Hub's query language the sandbox understands (notes/vendor-apis.md §3.6):

    login: {anna.petrova}   login: anna      email: {anna@acme.test}   email: anna@acme.test
    name: {Anna Petrova}    is: banned       joined with and / or / not, parentheses;
    two clauses side by side mean "and"; keywords and field names ignore case.

How Hub matches values is not documented as exact, so the sandbox matches loosely, as a search
box does: `login:` and `email:` by prefix, `name:` by substring, all ignoring case. A client
that wants one account must filter the answer. Anything else is refused with 400, so a test
never mistakes an unsupported query for "nobody matched".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

User = dict[str, Any]
Predicate = Callable[[User], bool]

_TOKEN = re.compile(r"\s*(?:(\{[^{}]*\})|([():])|([^\s(){}:]+))")
KEYWORDS = ("and", "or", "not")


class QueryError(ValueError):
    """The query is not one the sandbox understands; the text is Hub's error_description."""


def compile_query(text: str) -> Predicate:
    """A predicate over stored users; an empty query matches everyone."""
    tokens = _tokens(text)
    if not tokens:
        return lambda user: True
    parser = _Parser(tokens)
    predicate = parser.any_of()
    if parser.i != len(tokens):
        raise QueryError(f"Can't parse query `{text}`: unexpected `{tokens[parser.i]}`")
    return predicate


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    text = text.rstrip()
    while i < len(text):
        found = _TOKEN.match(text, i)
        if found is None or found.end() == i:
            raise QueryError(f"Can't parse query `{text}` at position {i}")
        tokens.append(next(group for group in found.groups() if group is not None))
        i = found.end()
    return tokens


class _Parser:
    """or < and (written or implied) < not < a clause or a bracketed query."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str:
        return self.tokens[self.i] if self.i < len(self.tokens) else ""

    def take(self) -> str:
        token = self.peek()
        if not token:
            raise QueryError("Can't parse query: it ends too early")
        self.i += 1
        return token

    def any_of(self) -> Predicate:
        parts = [self.all_of()]
        while self.peek().lower() == "or":
            self.take()
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else (lambda user: any(p(user) for p in parts))

    def all_of(self) -> Predicate:
        parts = [self.one()]
        while self.peek() and self.peek() != ")" and self.peek().lower() != "or":
            if self.peek().lower() == "and":
                self.take()
            parts.append(self.one())
        return parts[0] if len(parts) == 1 else (lambda user: all(p(user) for p in parts))

    def one(self) -> Predicate:
        token = self.take()
        if token.lower() == "not":
            inner = self.one()
            return lambda user: not inner(user)
        if token == "(":
            inner = self.any_of()
            if self.take() != ")":
                raise QueryError("Can't parse query: a `(` is not closed")
            return inner
        if token in (")", ":") or token.startswith("{") or token.lower() in KEYWORDS:
            raise QueryError(f"Can't parse query: unexpected `{token}`")
        if self.take() != ":":
            raise QueryError(f"Can't parse query: `{token}` must be followed by `:` and a value")
        value = self.take()
        if value in ("(", ")", ":"):
            raise QueryError(f"Can't parse query: `{token}:` has no value")
        return clause(token.lower(), value.strip("{}").strip().lower())


def clause(field: str, value: str) -> Predicate:
    if field == "login":
        return lambda user: str(user.get("login") or "").lower().startswith(value)
    if field == "email":
        return lambda user: email_of(user).lower().startswith(value)
    if field == "name":
        return lambda user: value in str(user.get("name") or "").lower()
    if field == "is" and value == "banned":
        return lambda user: bool(user.get("banned"))
    raise QueryError(f"The sandbox Hub does not support `{field}: {value}` in a query")


def email_of(user: User) -> str:
    email = (user.get("profile") or {}).get("email") or {}
    return str(email.get("email") or "")

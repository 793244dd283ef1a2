"""Hub's query language for users and for user groups, as far as Hub documents it, and of that
what the sandbox evaluates.

The grammar is Hub's "Search Query Grammar" (jetbrains.com/help/hub/search-query-grammar.html):
`or` of `and` of an item with an optional `not`, an item being a field (`Name: value`), a tuple,
a bracketed query, a phrase or free text; "Grammar is case-insensitive"; a value of several
words goes in `{ }`. Two items side by side with no `and` between them are not in that grammar,
so the sandbox refuses them. The fields a users query takes are the list on Hub's "Get All Users"
page (also on "Get All Users of a User Group", e.g. jetbrains.com/help/hub/1.0/HUB-REST-API_
User-Groups_Users-of-User-Group_Get-All-Users-of-a-User-Group.html): `DOCUMENTED`.

The sandbox evaluates `id:`, `login:`, `name:`, `email:`, `has: email`, `is: banned` and
`is: guest`, joined with and / or / not and parentheses. A field Hub does not document for users
is refused as Hub would refuse it; one it documents but the sandbox does not evaluate (and free
text, phrases and tuples, whose meaning for users Hub does not document) is refused saying so,
so that a test never mistakes an unsupported query for "nobody matched". Every refusal is Hub's
400 with the JetBrains error body (hub.py).

How Hub matches values is not documented as exact, so the sandbox matches loosely, as a search
box does: `login:` and `email:` by prefix, `name:` by substring, all ignoring case. A client that
wants one account must filter the answer.

User groups (`GET /usergroups?query=`) take the fields on Hub's "Get All User Groups" page
(jetbrains.com/help/hub/HUB-REST-API_User-Groups_Get-All-User-Groups.html): `GROUP_DOCUMENTED`.
The sandbox evaluates `name:` ("Group with the given name"; like a user's name, by substring,
ignoring case: exactness is not documented), `id:`, `user:` ("Groups that immediately contain
the given user", by the user's id; All Users left out), `has: user`, `has: subgroup` and
`is: allUsers`. A group is evaluated as hub_groups.view shows it (`ownUsers` as user objects,
`subgroups`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

User = dict[str, Any]
Predicate = Callable[[User], bool]

_TOKEN = re.compile(r"\s*(?:(\{[^{}]*\})|(\"[^\"]*\")|([():])|([^\s(){}:\"]+))")
KEYWORDS = ("and", "or", "not")
#: The fields Hub documents for a users query, with the values it lists for `is:` and `has:`.
DOCUMENTED: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(
        (
            "id", "login", "name", "email", "jabber", "group", "in", "after", "before", "ownrole",
            "vcsusername", "authmethod", "authmodule", "originservice", "authlogin", "authname",
            "authemail", "authjabber", "googleid", "openid",
        ),
        None,
    ),
    "is": frozenset({"guest", "banned"}),
    "has": frozenset({"email", "jabber", "group", "ownrole", "authmethod", "originservice", "lastaccess"}),
}  # fmt: skip
#: Tuples Hub documents for users (`access(project: …, with: …)`, `lastAccess(after: …)`).
TUPLES = ("access", "lastaccess")
#: The fields Hub documents for a user groups query, with the values it lists for `is:` and `has:`.
GROUP_DOCUMENTED: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(("id", "name", "ownrole", "parent", "project", "subgroup", "team", "user"), None),
    "is": frozenset({"allusers", "autojoin"}),
    "has": frozenset({"ownrole", "user", "subgroup", "icon"}),
}
GROUP_TUPLES = ("access",)


class QueryError(ValueError):
    """The query is not one the sandbox takes; the text is Hub's error_description."""


def compile_query(text: str, kind: str = "users") -> Predicate:
    """A predicate over stored users (or, for `kind` "user groups", over groups as
    hub_groups.view shows them); an empty query matches everything."""
    tokens = _tokens(text)
    if not tokens:
        return lambda user: True
    parser = _Parser(tokens, kind)
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
    """or < and < not < an item: a field, or a bracketed query."""

    def __init__(self, tokens: list[str], kind: str = "users") -> None:
        self.tokens = tokens
        self.i = 0
        self.kind = kind

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
        while self.peek().lower() == "and":
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
            if self.peek() != ")":
                raise QueryError("Can't parse query: a `(` is not closed")
            self.take()
            return inner
        if token in (")", ":") or token.lower() in KEYWORDS:
            raise QueryError(f"Can't parse query: unexpected `{token}`")
        if token.startswith(("{", '"')) or self.peek() not in (":", "("):
            raise QueryError(f"The sandbox Hub does not implement free text or phrases (`{token}`)")
        if self.peek() == "(":
            tuples = GROUP_TUPLES if self.kind == "user groups" else TUPLES
            what = "tuple" if token.lower() in tuples else f"not a tuple Hub documents for {self.kind}"
            raise QueryError(f"The sandbox Hub does not implement `{token}(…)` ({what})")
        self.take()
        value = self.take() if self.peek() not in ("", "(", ")", ":") else ""
        if not value:
            raise QueryError(f"Can't parse query: `{token}:` has no value")
        field, value = token.lower(), value.strip("{}").strip().lower()
        return group_clause(field, value) if self.kind == "user groups" else clause(field, value)


def clause(field: str, value: str) -> Predicate:
    if field not in DOCUMENTED:
        raise QueryError(f"`{field}` is not a field Hub documents for users")
    listed = DOCUMENTED[field]
    if listed is not None and value not in listed:
        raise QueryError(f"`{field}: {value}` is not one Hub documents for users")
    if field == "id":
        return lambda user: str(user.get("id") or "").lower() == value
    if field == "login":
        return lambda user: str(user.get("login") or "").lower().startswith(value)
    if field == "email":
        return lambda user: email_of(user).lower().startswith(value)
    if field == "name":
        return lambda user: value in str(user.get("name") or "").lower()
    if (field, value) == ("is", "banned"):
        return lambda user: bool(user.get("banned"))
    if (field, value) == ("is", "guest"):
        return lambda user: bool(user.get("guest"))
    if (field, value) == ("has", "email"):
        return lambda user: bool(email_of(user))
    shown = f"{field}:" if listed is None else f"{field}: {value}"
    raise QueryError(f"The sandbox Hub does not implement `{shown}` in a query")


def group_clause(field: str, value: str) -> Predicate:
    if field not in GROUP_DOCUMENTED:
        raise QueryError(f"`{field}` is not a field Hub documents for user groups")
    listed = GROUP_DOCUMENTED[field]
    if listed is not None and value not in listed:
        raise QueryError(f"`{field}: {value}` is not one Hub documents for user groups")
    if field == "id":
        return lambda group: str(group.get("id") or "").lower() == value
    if field == "name":
        return lambda group: value in str(group.get("name") or "").lower()
    if field == "user":
        # Not All Users: JetBrains' YouTrackSharp lists a user's groups with `user:<id> or
        # is:allUsers` (Management/UserManagementService.cs), so `user:` alone leaves it out.
        return lambda group: (
            not group.get("allUsers")
            and any(str(u.get("id")).lower() == value for u in group.get("ownUsers") or [])
        )
    if (field, value) == ("has", "user"):
        return lambda group: bool(group.get("users"))
    if (field, value) == ("has", "subgroup"):
        return lambda group: bool(group.get("subgroups"))
    if (field, value) == ("is", "allusers"):
        return lambda group: bool(group.get("allUsers"))
    shown = f"{field}:" if listed is None else f"{field}: {value}"
    raise QueryError(f"The sandbox Hub does not implement `{shown}` in a user groups query")


def email_of(user: User) -> str:
    email = (user.get("profile") or {}).get("email") or {}
    return str(email.get("email") or "")

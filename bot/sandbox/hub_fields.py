"""Hub's `fields` syntax (`id,login,profile(email(email,verified))`) and a small part of its
query language (`login: {x}`, `email: x`, `is: banned`, `name: x`, joined with and/or)."""

from __future__ import annotations

import re
from typing import Any

Tree = dict[str, "Tree | None"]


def parse_fields(text: str | None) -> Tree | None:
    """None when no `fields` was given (Hub's default answer)."""
    if text is None or not text.strip():
        return None
    tree, _ = _parse(text.replace(" ", ""), 0)
    return tree


def _parse(text: str, i: int) -> tuple[Tree, int]:
    tree: Tree = {}
    name = ""
    while i < len(text):
        ch = text[i]
        if ch == "(":
            sub, i = _parse(text, i + 1)
            tree[name] = sub
            name = ""
        elif ch == ")":
            if name:
                tree[name] = None
            return tree, i
        elif ch == ",":
            if name:
                tree[name] = None
            name = ""
        else:
            name += ch
        i += 1
    if name:
        tree[name] = None
    return tree, i


def trim(value: Any, tree: Tree | None) -> Any:
    """What Hub sends: with `fields`, only what was asked (and `type`); without, the scalar
    fields, and nested objects as their id."""
    if isinstance(value, list):
        return [trim(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    if tree is None:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, dict):
                out[key] = {k: item[k] for k in ("type", "id") if k in item}
            elif isinstance(item, list):
                out[key] = [
                    {k: i[k] for k in ("type", "id") if k in i} if isinstance(i, dict) else i for i in item
                ]
            else:
                out[key] = item
        return out
    out = {"type": value["type"]} if "type" in value else {}
    for key, sub in tree.items():
        if key in value:
            out[key] = trim(value[key], sub) if sub is not None else _shallow(value[key])
    return out


def _shallow(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: item[k] for k in ("type", "id") if k in item}
    return item


_CLAUSE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(\{[^}]*\}|\S+)\s*$")


def matches(user: dict[str, Any], query: str) -> bool:
    if not query.strip():
        return True
    for alternative in re.split(r"\s+or\s+", query.strip(), flags=re.IGNORECASE):
        if all(_clause(user, c) for c in re.split(r"\s+and\s+", alternative, flags=re.IGNORECASE)):
            return True
    return False


def _clause(user: dict[str, Any], clause: str) -> bool:
    found = _CLAUSE.match(clause)
    if not found:
        return False
    field, value = found.group(1).lower(), found.group(2).strip("{}").strip().lower()
    email = str(((user.get("profile") or {}).get("email") or {}).get("email") or "").lower()
    if field == "is":
        return value == "banned" and bool(user.get("banned"))
    if field == "login":  # Hub matches logins by prefix, as its search box does
        return str(user.get("login", "")).lower().startswith(value)
    if field == "email":
        return email.startswith(value)
    if field == "name":
        return value in str(user.get("name", "")).lower()
    return False

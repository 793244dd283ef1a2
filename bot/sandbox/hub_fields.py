"""Hub's `fields` parameter (notes/vendor-apis.md §3.3): `id,login,profile(email(email,verified))`.

With `fields`, Hub sends only what was asked, nesting included, and every object keeps its
`type`. Without it, "all immediate fields of a resource" and, "for nested objects, only the
basic info (for example, `id`)": here `{type, id}`. A page of users follows the same rule, so
GET /users without `fields` lists each user as `{type, id}`.

A page of user groups (`trim_page`) follows Hub's "Get All User Groups" page instead: `fields`
"Returns only the specified subset of the fields for each UserGroup", and JetBrains' ring-ui
(src/hub-source/hub-source-users-groups.ts) asks `id,name,total,userCount,iconUrl` and reads
`usergroups` and `total`: so `fields` names each group's fields, and the page's own `total`,
`skip` and `top` come when named there (all of them when there is no `fields`).
"""

from __future__ import annotations

from typing import Any

Tree = dict[str, "Tree | None"]


class FieldsError(ValueError):
    """`fields` is not well formed; the text is Hub's error_description."""


def parse_fields(text: str | None) -> Tree | None:
    """The asked-for fields as a tree (`{"profile": {"email": {"email": None}}}`), or None when
    no `fields` was given."""
    if text is None or not text.strip():
        return None
    tree, end = _parse(text.replace(" ", ""), 0)
    if end != len(text.replace(" ", "")):
        raise FieldsError(f"Can't parse fields `{text}`: unexpected `)`")
    return tree


def _parse(text: str, i: int) -> tuple[Tree, int]:
    """The fields from `i` to the `)` closing this level (or the end), and where it stopped."""
    tree: Tree = {}
    name = ""
    while i < len(text):
        ch = text[i]
        if ch == "(":
            if not name:
                raise FieldsError(f"Can't parse fields `{text}`: `(` without a field name")
            sub, i = _parse(text, i + 1)
            if i >= len(text):
                raise FieldsError(f"Can't parse fields `{text}`: a `(` is not closed")
            tree[name] = sub
            name = ""
        elif ch == ")":
            break
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
    """`value` (a stored object, or a list of them) as Hub sends it for `fields` = `tree`."""
    if isinstance(value, list):
        return [trim(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    if tree is None:
        return {key: _basic(item) for key, item in value.items()}
    out = {"type": value["type"]} if "type" in value else {}
    for key, sub in tree.items():
        if key in value:
            out[key] = _basic(value[key]) if sub is None else trim(value[key], sub)
    return out


def _basic(item: Any) -> Any:
    """A nested object named without sub-fields, or any nested object by default: `{type, id}`."""
    if isinstance(item, list):
        return [_basic(i) for i in item]
    if isinstance(item, dict):
        return {k: item[k] for k in ("type", "id") if k in item}
    return item


def trim_page(page: dict[str, Any], items: str, tree: Tree | None) -> dict[str, Any]:
    """A page whose `items` list is trimmed item by item with `tree`, its own scalars kept when
    `tree` names them (or when there is no `fields`); `type` and the list always come."""
    out = {key: value for key, value in page.items() if key != items and (tree is None or key in tree)}
    return {"type": page["type"]} | out | {items: trim(page[items], tree)}

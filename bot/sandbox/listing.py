"""The sandbox's sample company as a person at a terminal (or in `/steward help sandbox`) reads
it: who and what is there to try Steward on, with the ids and e-mail addresses commands take."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.sandbox.common import SandboxApp
from bot.sandbox.onlyoffice_data import GROUP_NAMES

#: ONLYOFFICE's numbered states of a user (EmployeeStatus), as the listing says them.
_OFFICE_STATUS = {1: "", 2: "disabled", 4: "on leave"}


def sample_company(kept: Path | None = None) -> str:
    """The listing of the sandbox as `steward run` finds it: the sample company, changed as the
    runs kept in `kept` (bot/sandbox/saved.py) left it."""
    from bot.sandbox import saved
    from bot.sandbox.hub import HubSandbox
    from bot.sandbox.kaiten import KaitenSandbox
    from bot.sandbox.onlyoffice import OnlyofficeSandbox

    apps: dict[str, SandboxApp] = {
        "kaiten": KaitenSandbox(),
        "onlyoffice": OnlyofficeSandbox(),
        "hub": HubSandbox(),
    }
    if kept is not None:
        saved.load(apps, kept)
    return listing(apps)


def listing(apps: Mapping[str, SandboxApp]) -> str:
    kaiten, office, hub = apps["kaiten"], apps["onlyoffice"], apps["hub"]
    lines = ["Kaiten users (id, e-mail, name):"]
    for user in sorted(_values(kaiten, "users"), key=lambda u: int(u["id"])):
        if int(user["id"]) < 1000:  # not the generated bulk users
            inactive = "  (deactivated)" if user.get("role") == 3 else ""
            lines.append(f"  {user['id']:<4} {user['email']:<28} {user['full_name']}{inactive}")
    lines.append("\nKaiten groups (uid, name, permissions, member ids):")
    for group in sorted(_values(kaiten, "groups"), key=lambda g: int(g["id"])):
        members = ", ".join(str(m) for m in group.get("members") or []) or "-"
        lines.append(f"  {group['uid']}  {group['name']:<18} {group['permissions']:<8} {members}")
    lines.append("\nONLYOFFICE users (id, e-mail, name):")
    for user in sorted(_values(office, "users"), key=lambda u: str(u["email"])):
        notes = [
            _OFFICE_STATUS.get(int(user.get("status", 1)), ""),
            "from LDAP" if user.get("isLDAP") else "",
        ]
        note = f"  ({', '.join(n for n in notes if n)})" if any(notes) else ""
        lines.append(f"  {user['id']}  {user['email']:<28} {user['firstName']} {user['lastName']}{note}")
    lines.append("\nONLYOFFICE groups (id, name, members):")
    for group_id, group_name in GROUP_NAMES.items():
        inside = [str(u["email"]) for u in _values(office, "users") if group_id in (u.get("groups") or [])]
        lines.append(f"  {group_id}  {group_name:<18} {', '.join(sorted(inside)) or '-'}")
    lines.append("\nHub users (id, e-mail, login):")
    for user in sorted(_values(hub, "users"), key=lambda u: str(u["login"])):
        email = ((user.get("profile") or {}).get("email") or {}).get("email") or "-"
        note = "  (banned)" if user.get("banned") else "  (Hub's guest account)" if user.get("guest") else ""
        lines.append(f"  {user['id']}  {email:<28} {user['login']}{note}")
    logins = {u["id"]: u["login"] for u in _values(hub, "users")}
    lines.append("\nHub groups (id, name, direct members):")
    for group in sorted(_values(hub, "groups"), key=lambda g: str(g["name"])):
        own = ", ".join(sorted(logins.get(i, i) for i in group.get("ownUsers") or []))
        lines.append(
            f"  {group['id']}  {group['name']:<18} {'everyone' if group.get('allUsers') else own or '-'}"
        )
    return "\n".join(lines)


def _values(app: SandboxApp, name: str) -> list[dict[str, Any]]:
    return list(getattr(app, name).values())

"""The request form: opened at once, filled in step by step, submitted into the same pipeline.

`views.open` runs right after the ack (trigger ids expire in 3 s); the vendor is read only
afterwards, and the step-2 view replaces a "Reading…" view through `views.update`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp

from bot.errors import InvalidValue, StewardError
from bot.flow import resolve
from bot.language import Change, CommandError, parse, quote
from bot.slack import forms, messages
from bot.tasks import after_ack
from bot.vendors import build

if TYPE_CHECKING:
    from handlers.deps import Deps

log = logging.getLogger(__name__)


async def open_form(deps: Deps, client: Any, trigger_id: str, channel: str) -> None:
    await client.views_open(trigger_id=trigger_id, view=forms.step_one(deps.settings.vendors_on(), channel))


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(forms.STEP1)
    async def step_one(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        typed = forms.values(view)
        vendor, obj, action = str(typed.get("vendor")), str(typed.get("object")), str(typed.get("action"))
        errors = forms.step_one_errors(vendor, obj, action)
        targets = [t.strip() for t in str(typed.get("targets") or "").split(",") if t.strip()]
        if not targets:
            errors["targets"] = "Name at least one user or group."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack(response_action="update", view=forms.loading())
        meta = json.loads(view.get("private_metadata") or "{}")
        meta |= {"vendor": vendor, "obj": obj, "action": action, "targets": targets}
        view_id = str((body.get("view") or {}).get("id", ""))
        after_ack(deps.tasks, lambda: _fill(deps, client, view_id, meta), name="form")

    @app.view(forms.STEP2)
    async def step_two(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        user = str((body.get("user") or {}).get("id", ""))
        try:
            change = _change(deps, meta, forms.values(view), forms.initial_values(view))
        except FieldErrors as err:
            await ack(response_action="errors", errors=err.errors)
            return
        await ack()
        after_ack(deps.tasks, lambda: _submit(deps, change, user, str(meta.get("channel", ""))), name="form")


class FieldErrors(StewardError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


async def _fill(deps: Deps, client: Any, view_id: str, meta: dict[str, Any]) -> None:
    """Step 2: find the targets and show their fields with the current values."""
    pipeline = deps.ready
    vendor = pipeline.vendors[meta["vendor"]]
    try:
        records = await resolve(vendor, meta["obj"], meta["targets"], pipeline.email_of)
    except StewardError as err:
        channel = str(meta.get("channel", ""))
        await client.views_update(
            view_id=view_id, view=forms.step_one(list(pipeline.vendors), channel, str(err))
        )
        return
    meta["targets"] = [r.id for r in records]
    current = dict(records[0].values) if len(records) == 1 else {}
    from bot.vendors.kaiten import Permission

    view = forms.step_two(
        meta,
        vendor.objects[meta["obj"]],
        [r.label for r in records],
        current,
        permissions=[p.name or "" for p in Permission],
        allow_passwords=deps.settings.steward_allow_password_changes,
    )
    await client.views_update(view_id=view_id, view=view)


def _change(
    deps: Deps, meta: dict[str, Any], typed: dict[str, Any], initial: dict[str, str | None]
) -> Change:
    """The change the form describes, through the same grammar as the command; each bad value
    is reported next to its field."""
    head = f"{meta['vendor']} {meta['obj']} {','.join(meta['targets'])}"
    reason = str(typed.pop("reason", None) or "")
    try:
        tail = f" reason={quote(reason)}" if reason else ""
    except CommandError as err:
        raise FieldErrors({"reason": messages.cut(str(err), 2000)}) from None
    action = meta["action"]
    secrets: dict[str, SecretStr] = {}
    if action in ("grant", "revoke"):
        text = f"{head} {action} {','.join(typed.get('permissions') or []) or '0'}{tail}"
    elif action != "set":
        text = f"{head} {action}{tail}"
    else:
        changed = {k: v for k, v in typed.items() if v not in (None, "") and v != initial.get(k)}
        errors: dict[str, str] = {}
        for name in [n for n in changed if n in forms.HIDDEN]:
            value = str(changed.pop(name))
            try:
                build(deps.ready.vendors[meta["vendor"]].objects[meta["obj"]], {name: value})
            except InvalidValue as err:
                errors[name] = f"{err.rule}."
            secrets[name] = SecretStr(value)
        for name, value in changed.items():
            try:
                parse(f"{head} set {name}={quote(str(value))}")
            except CommandError as err:
                errors[name] = messages.cut(str(err).splitlines()[0], 2000)
        if errors:
            raise FieldErrors(errors)
        if not changed and not secrets:
            raise FieldErrors({next(iter(initial), "reason"): "Change at least one field."})
        fields = " ".join(f"{name}={quote(str(value))}" for name, value in changed.items())
        if not fields:  # only a password: the grammar has no way to say it, so build it here
            return Change(meta["vendor"], meta["obj"], tuple(meta["targets"]), "set", dict(secrets), reason)
        text = f"{head} set {fields}{tail}"
    try:
        parsed = parse(text)
    except CommandError as err:
        raise FieldErrors({"reason": messages.cut(str(err), 2000)}) from None
    assert isinstance(parsed, Change)
    return dataclasses.replace(parsed, fields={**parsed.fields, **secrets}) if secrets else parsed


async def _submit(deps: Deps, change: Change, user: str, channel: str) -> None:
    answer = await deps.ready.submit(change, user, channel)
    if answer.missing_channel:
        await deps.slack.direct(user, messages.not_in_channel(answer.missing_channel))
    elif answer.private:
        await deps.slack.direct(user, messages.reply(answer.text))

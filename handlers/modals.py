"""The request form: opened at once, filled in step by step, submitted into the same pipeline.

`views.open` runs right after the ack (trigger ids expire in 3 s); the vendor is read only
afterwards, and the step-2 view replaces a "Reading…" view through `views.update`.

The form is the command's policy too: it opens only for an admin of some vendor, offers only
the vendors its user administers, and each step checks again, before any vendor is read, that
the person submitting it administers the vendor chosen. What step 1 collected is kept in the
store under a short id (the step-2 view's `private_metadata`), and taken when step 2 is sent.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp

from bot.errors import InvalidValue, StewardError
from bot.flow import administered_vendors
from bot.language import Change, CommandError, parse, quote
from bot.slack import forms, messages
from bot.tasks import after_ack
from bot.vendors import build
from handlers import answers

if TYPE_CHECKING:
    from handlers.deps import Deps

log = logging.getLogger(__name__)


async def open_form(deps: Deps, client: Any, trigger_id: str, channel: str, user: str, respond: Any) -> None:
    """The form with the vendors `user` administers; someone who administers none is told so."""
    vendors = _offered(deps, user)
    if not vendors:
        await answers.private(respond, messages.reply(forms.NOT_AN_ADMIN))
        return
    await client.views_open(trigger_id=trigger_id, view=forms.step_one(vendors, channel))


def _offered(deps: Deps, user: str) -> list[str]:
    pipeline = deps.ready
    return administered_vendors(pipeline.policy, user, pipeline.vendors)


def _refusal(deps: Deps, user: str, vendor: str) -> str | None:
    """Why `user` may not use the form for `vendor`, or None."""
    if vendor not in deps.ready.vendors:
        return forms.not_set_up(vendor)
    if vendor not in _offered(deps, user):
        return forms.not_admin_of(vendor)
    return None


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(forms.STEP1)
    async def step_one(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        typed = forms.values(view)
        vendor, obj, action = str(typed.get("vendor")), str(typed.get("object")), str(typed.get("action"))
        channel = forms.channel_of(view.get("private_metadata"))
        refusal = forms.EXPIRED if channel is None else _refusal(deps, user, vendor)
        if refusal is not None:
            await ack(response_action="errors", errors={"vendor": refusal})
            return
        errors = forms.step_one_errors(vendor, obj, action)
        targets = [t.strip() for t in str(typed.get("targets") or "").split(",") if t.strip()]
        if not targets:
            errors["targets"] = "Name at least one user or group."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack(response_action="update", view=forms.loading())
        meta = {"channel": channel, "vendor": vendor, "obj": obj, "action": action, "targets": targets}
        view_id = str((body.get("view") or {}).get("id", ""))
        after_ack(deps.tasks, lambda: _fill(deps, client, view_id, user, meta), name="form")

    @app.view(forms.STEP2)
    async def step_two(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        store = deps.ready.store
        form = await store.load_form(view.get("private_metadata") or "")
        refusal = None if form is None else _refusal(deps, user, str(form.state.get("vendor")))
        if form is not None and refusal is None and form.user != user:
            form = None  # someone else's form: as good as none
        if form is None or refusal is not None:
            await ack(response_action="errors", errors={"reason": refusal or forms.EXPIRED})
            return
        meta = form.state
        try:
            change = _change(deps, meta, forms.values(view), forms.initial_values(view))
        except FieldErrors as err:
            await ack(response_action="errors", errors=err.errors)
            return
        if await store.take_form(form.id) is None:  # sent a moment ago, perhaps through another replica
            await ack(response_action="errors", errors={"reason": forms.EXPIRED})
            return
        await ack()
        after_ack(deps.tasks, lambda: _submit(deps, change, user, str(meta.get("channel", ""))), name="form")


class FieldErrors(StewardError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


async def _fill(deps: Deps, client: Any, view_id: str, user: str, meta: dict[str, Any]) -> None:
    """Step 2: find the targets and show their fields with the current values; what step 1
    collected goes into the store, and the view carries only its id."""
    pipeline = deps.ready
    vendor = pipeline.vendors[meta["vendor"]]
    try:
        records = await pipeline.look_up(meta["vendor"], meta["obj"], meta["targets"])
    except StewardError as err:
        channel = str(meta.get("channel", ""))
        await client.views_update(
            view_id=view_id, view=forms.step_one(_offered(deps, user), channel, str(err))
        )
        return
    meta["targets"] = [r.id for r in records]
    form_id = await pipeline.store.save_form(user, meta)
    current = dict(records[0].values) if len(records) == 1 else {}
    from bot.vendors.kaiten import Permission

    view = forms.step_two(
        meta,
        vendor.objects[meta["obj"]],
        [r.label for r in records],
        current,
        form_id=form_id,
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
                parse(f"{head} set {name}={quote(str(value))}", limit=None)
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
        parsed = parse(text, limit=None)  # Steward wrote it, from inputs Slack bounds: no length cap
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

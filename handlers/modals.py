"""The request form: opened at once, filled in step by step, submitted into the same pipeline.

`views.open` runs right after the ack (trigger ids expire in 3 s); the vendor is read only
afterwards, and the step-2 view replaces a "Reading…" view through `views.update`.

The form is the command's policy too: it opens only for an admin of some vendor, offers only
the vendors its user administers, and each step checks again, before any vendor is read, that
the person submitting it administers the vendor chosen. What step 1 collected is kept in the
store under a short id (the step-2 view's `private_metadata`), and taken when step 2 is sent.

To add or remove people, step 1 names the group and the people; the group is found (the
pipeline's `group_of`) and the people looked up before step 2, which asks only the reason.
To offboard someone, step 1 names the person (checked as the command checks it) on every vendor
its user administers; step 2 asks only the reason, and the pipeline plans it when it is sent.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp

from bot.errors import InvalidValue, StewardError
from bot.flow import administered_vendors
from bot.language import Change, CommandError, Membership, Offboard, parse, quote
from bot.slack import forms, messages
from bot.tasks import after_ack
from bot.vendors import build, unsafe_rule
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
    """Why `user` may not use the form for `vendor` (or, to offboard, for every vendor), or None."""
    if vendor == forms.EVERY:
        return None if _offered(deps, user) else forms.NOT_AN_ADMIN_ANYWHERE
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
        group = str(typed.get("group") or "")
        errors = forms.step_one_errors(vendor, obj, action, group)
        typed_targets = str(typed.get("targets") or "")
        targets = [t.strip() for t in typed_targets.split(",") if t.strip()]
        if not errors and action in forms.MEMBERSHIP:
            try:
                targets = list(_membership(vendor, action, group, typed_targets, blame="targets").people)
            except FieldErrors as err:
                errors = err.errors
        elif not errors and action == forms.OFFBOARD:
            try:
                targets = [_offboard(typed_targets, blame="targets").person]
            except FieldErrors as err:
                errors = err.errors
        elif not targets:
            errors["targets"] = "Name at least one user or group."
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack(response_action="update", view=forms.loading())
        meta = {"channel": channel, "vendor": vendor, "obj": obj, "action": action, "targets": targets}
        if action in forms.MEMBERSHIP:
            meta["group"] = group.strip()
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
            change: Change | Membership | Offboard
            reason = str(forms.values(view).get("reason") or "")
            if meta.get("action") in forms.MEMBERSHIP:
                people = ",".join(meta["targets"])
                change = _membership(meta["vendor"], meta["action"], meta["group"], people, reason)
            elif meta.get("action") == forms.OFFBOARD:
                change = _offboard(meta["targets"][0], reason)
            else:
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
    if meta["action"] in forms.MEMBERSHIP:
        await _fill_membership(deps, client, view_id, user, meta)
        return
    if meta["action"] == forms.OFFBOARD:  # nothing to read: the pipeline plans it when it is sent
        meta["vendors"] = _offered(deps, user)
        form_id = await pipeline.store.save_form(user, meta)
        view = forms.step_two(meta, None, meta["targets"], {}, form_id=form_id)
        await client.views_update(view_id=view_id, view=view)
        return
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
    vendor = pipeline.vendors[meta["vendor"]]
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


async def _fill_membership(deps: Deps, client: Any, view_id: str, user: str, meta: dict[str, Any]) -> None:
    """Step 2 of adding or removing people: the group as the vendor names it (by id from here
    on), the people found, and a reason to ask. A group or a person not found brings step 1
    back, as it was sent, with the error under the group or the people."""
    pipeline, vendor = deps.ready, meta["vendor"]
    field = "group"
    try:
        group = await pipeline.group_of(vendor, meta["group"])
        field = "targets"
        people = await pipeline.look_up(vendor, "user", meta["targets"])
    except StewardError as err:
        filled = {"vendor": vendor, "object": meta["obj"], "action": meta["action"]}
        filled |= {"group": meta["group"], "targets": ",".join(meta["targets"])}
        view = forms.step_one(
            _offered(deps, user), str(meta.get("channel", "")), filled=filled, errors={field: str(err)}
        )
        await client.views_update(view_id=view_id, view=view)
        return
    meta |= {"group": group.id, "group_label": group.label, "targets": [r.id for r in people]}
    form_id = await pipeline.store.save_form(user, meta)
    view = forms.step_two(meta, None, [r.label for r in people], {}, form_id=form_id)
    await client.views_update(view_id=view_id, view=view)


def _membership(
    vendor: str, action: str, group: str, people: str, reason: str = "", *, blame: str = "reason"
) -> Membership:
    """People into or out of a group, read by the grammar from a command Steward writes, so that
    the group, the people (their forms, at most MAX_TARGETS) and the reason pass the command's
    checks. The group is checked first, so that its error goes under its input; what else the
    grammar finds goes under `blame`."""
    group = group.strip()
    rule = unsafe_rule(group)
    if not group or len(group) > 255 or rule is not None:
        why = f"The group {rule}." if rule is not None else forms.NO_GROUP
        raise FieldErrors({"group": messages.cut(why, 2000)})
    try:
        head = f"{vendor} group {quote(group)} {action} "
    except CommandError as err:
        raise FieldErrors({"group": messages.cut(err.problem, 2000)}) from None
    try:
        tail = f" reason={quote(reason)}" if reason else ""
    except CommandError as err:
        raise FieldErrors({"reason": messages.cut(err.problem, 2000)}) from None
    try:
        parsed = parse(head + people + tail, limit=None)  # Steward wrote it, from inputs Slack bounds
    except CommandError as err:
        raise FieldErrors({blame: messages.cut(err.problem, 2000)}) from None
    if not isinstance(parsed, Membership) or (parsed.reason and not reason):  # `reason=` among the people
        raise FieldErrors({blame: "Name only people here: ids or e-mail addresses, separated by commas."})
    return parsed


def _offboard(person: str, reason: str = "", *, blame: str = "reason") -> Offboard:
    """An offboarding, read by the grammar from a command Steward writes, so that the person (one
    e-mail address or mention) and the reason pass the command's checks."""
    if not person.strip():
        raise FieldErrors({blame: "Name the person to offboard: their e-mail address."})
    try:
        tail = f" reason={quote(reason)}" if reason else ""
        parsed = parse(f"offboard {quote(person.strip())}{tail}", limit=None)
    except CommandError as err:
        raise FieldErrors({blame: messages.cut(err.problem, 2000)}) from None
    if not isinstance(parsed, Offboard) or (parsed.reason and not reason):  # `reason=` as the person
        raise FieldErrors({blame: "Name one person here: their e-mail address."})
    return parsed


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


async def _submit(deps: Deps, change: Change | Membership | Offboard, user: str, channel: str) -> None:
    pipeline = deps.ready
    if isinstance(change, Offboard):
        answer = await pipeline.submit_offboard(change, user, channel)
    elif isinstance(change, Membership):
        answer = await pipeline.submit_membership(change, user, channel)
    else:
        answer = await pipeline.submit(change, user, channel)
    if answer.missing_channel:
        await deps.slack.direct(user, messages.not_in_channel(answer.missing_channel))
    elif answer.private:
        await deps.slack.direct(user, messages.reply(answer.text))

"""The request form (a Slack modal in two steps), built with slack_sdk's view models. No I/O.

Step 1 asks vendor, object, targets and action (and, to add or remove people, the group);
step 2 (the same modal, updated) shows the fields of that object with the target's current
values, and a reason. To offboard someone, step 1 takes "Every vendor you administer" (`EVERY`)
as the vendor, User, the person's e-mail address and Offboard; step 2 asks only the reason.

Each input's block id is the field's name, so a field error from `response_action: errors`
lands next to its field. An error found after the answer to Slack (a group or person the vendor
does not know) brings step 1 back, filled in as it was sent, with the error right under its
input: Slack shows field errors only in an answer.

Step 1 carries the channel it was opened in (`{"channel": …}`) in `private_metadata`; step 2
carries only the id under which the store keeps what step 1 collected (Slack keeps at most 3,000
characters there: about 75 GUIDs). Both come back from Slack as input to check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.messages import cut, esc, flat, joined, show
from bot.vendors import VENDOR_NAMES, UpdateModel

STEP1, STEP2 = "steward_form_1", "steward_form_2"
#: The vendor choice of an offboarding: every vendor the person administers, at once.
EVERY, OFFBOARD = "every", "offboard"
#: People into or out of a group: the form's group input names the group, "Who" the people.
MEMBERSHIP = ("add", "remove")
ACTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "kaiten": {
        "user": ("set", "deactivate", "reactivate"),
        "group": ("set", "grant", "revoke", *MEMBERSHIP),
    },
    "onlyoffice": {"user": ("set", "disable", "enable"), "group": MEMBERSHIP},
    "hub": {"user": ("set", "ban", "unban"), "group": MEMBERSHIP},
}
#: The actions as the form lists them.
ACTION_LABELS = {
    **{
        a: a.capitalize()
        for a in ("set", "grant", "revoke", "disable", "enable", "deactivate", "reactivate", "ban", "unban")
    },
    "add": "Add people",
    "remove": "Remove people",
    OFFBOARD: "Offboard (switch off everywhere)",
}
HIDDEN = ("password", "old_password")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,30}$")

#: What the form says, written for the person filling it in (field errors show no markdown).
EXPIRED = (
    "This form has expired (Steward keeps one for a day) or was already sent. "
    "Close it and open a new one with /steward."
)
NO_GROUP = "Name the group: its id, or its name as the vendor shows it."
GROUP_ONLY_FOR_MEMBERS = (
    "Only Add people and Remove people take a group here; for a group's own fields, "
    "name the group under Who and leave this empty."
)
NOT_AN_ADMIN_ANYWHERE = (
    "You are not an admin of any vendor in Steward, so you cannot offboard anyone. "
    "Who may use Steward is set by its operators."
)
OFFBOARD_EVERYWHERE = (
    "Offboarding covers every vendor you administer at once: choose Every vendor you administer."
)
EVERY_ONLY_TO_OFFBOARD = (
    "Every vendor at once is only for Offboard; to change something else, choose one vendor."
)
OFFBOARD_A_USER = "Offboarding is of a person: choose User."
NOT_AN_ADMIN = (
    "You are not an admin of any vendor in Steward, so the request form does not open for you. "
    "Who may use Steward is set by its operators: ask them if you need to make changes."
)


def not_admin_of(vendor: str) -> str:
    """A refusal, next to the vendor the person chose."""
    name = cut(VENDOR_NAMES.get(vendor, vendor), 100)
    return (
        f"You are not an admin of {name} in Steward, so you cannot request changes to it. "
        "Who may use Steward is set by its operators."
    )


def not_set_up(vendor: str) -> str:
    return f"{cut(VENDOR_NAMES.get(vendor, vendor), 100)} is not set up on this Steward."


def channel_of(private_metadata: Any) -> str | None:
    """The channel a step-1 view was opened in, read back from its `private_metadata`; None when
    that is not what `step_one` wrote."""
    try:
        meta = json.loads(private_metadata) if isinstance(private_metadata, str) else None
    except (ValueError, RecursionError):
        return None
    channel = meta.get("channel") if isinstance(meta, dict) else None
    return channel if isinstance(channel, str) and _CHANNEL.match(channel) else None


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, label=label) for value, label in pairs]


def _select(block: str, label: str, pairs: Sequence[tuple[str, str]], chosen: Any = None) -> InputBlock:
    options = _options(pairs)
    initial = next((o for o in options if o.value == chosen), None)
    element = StaticSelectElement(action_id=block, options=options, initial_option=initial)
    return InputBlock(block_id=block, label=label, element=element)


def _text(value: Any) -> str | None:
    return cut(value, 3000) if isinstance(value, str) and value else None


def step_one(
    vendors: Sequence[str],
    channel: str,
    note: str = "",
    *,
    filled: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Vendor, object, group, targets, action. `note` explains why the form came back (a bad
    target); `filled` is what was sent (by block id), `errors` what to show under which input."""
    filled, errors = filled or {}, errors or {}
    blocks: list[Any] = []
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(f"⚠️ {esc(note)}"), verbatim=True)))
    inputs = [
        _select("vendor", "Vendor", _vendor_choices(vendors), filled.get("vendor")),
        _select("object", "Object", [("user", "User"), ("group", "Group")], filled.get("object")),
        InputBlock(
            block_id="group",
            label="Group",
            optional=True,
            hint="For Add people and Remove people: the group's id, or its name",
            element=PlainTextInputElement(
                action_id="group",
                placeholder="Engineering",
                max_length=255,
                initial_value=_text(filled.get("group")),
            ),
        ),
        InputBlock(
            block_id="targets",
            label="Who",
            hint=(
                "Vendor ids or e-mail addresses, separated by commas (to add or remove: the people; "
                "to offboard: the person's e-mail address)"
            ),
            element=PlainTextInputElement(
                action_id="targets",
                placeholder="anna@acme.com, 42",
                initial_value=_text(filled.get("targets")),
            ),
        ),
        _select("action", "Action", list(ACTION_LABELS.items()), filled.get("action")),
    ]
    for block in inputs:
        blocks.append(block)
        error = errors.get(block.block_id or "")
        if error:  # right under its input, where Slack shows a field error
            text = cut(f"⚠️ {esc(error)}", 2000)
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text, verbatim=True)]))
    view = View(
        type="modal",
        callback_id=STEP1,
        title="Steward request",
        submit="Next",
        close="Cancel",
        blocks=blocks,
        private_metadata=json.dumps({"channel": channel}),
    )
    return view.to_dict()


def _vendor_choices(vendors: Sequence[str]) -> list[tuple[str, str]]:
    pairs = [(v, VENDOR_NAMES[v]) for v in vendors]
    return [*pairs, (EVERY, "Every vendor you administer")] if pairs else pairs


def step_one_errors(vendor: str, obj: str, action: str, group: str = "") -> dict[str, str]:
    """Field errors for a combination the grammar does not have, and a group where none belongs
    or none where one does."""
    if vendor == EVERY or action == OFFBOARD:
        if action != OFFBOARD:
            return {"action": EVERY_ONLY_TO_OFFBOARD}
        if vendor != EVERY:
            return {"vendor": OFFBOARD_EVERYWHERE}
        if obj != "user":
            return {"object": OFFBOARD_A_USER}
        return {"group": GROUP_ONLY_FOR_MEMBERS} if group.strip() else {}
    objects = ACTIONS.get(vendor, {})
    if obj not in objects:
        return {
            "object": f"{VENDOR_NAMES.get(vendor, vendor)} has {' and '.join(objects) or 'no'} objects here."
        }
    if action not in objects[obj]:
        listed = ", ".join(ACTION_LABELS.get(a, a) for a in objects[obj])
        return {"action": f"For a {VENDOR_NAMES[vendor]} {obj}: {listed}."}
    if action in MEMBERSHIP and not group.strip():
        return {"group": NO_GROUP}
    if action not in MEMBERSHIP and group.strip():
        return {"group": GROUP_ONLY_FOR_MEMBERS}
    return {}


def loading(title: str = "Steward request") -> dict[str, Any]:
    return View(
        type="modal",
        title=title,
        close="Cancel",
        blocks=[SectionBlock(text="⏳ Reading the current values…")],
    ).to_dict()


def step_two(
    meta: Mapping[str, Any],
    model: type[UpdateModel] | None,
    labels: Sequence[str],
    current: Mapping[str, Any],
    *,
    form_id: str,
    permissions: Sequence[str] = (),
    allow_passwords: bool = False,
) -> dict[str, Any]:
    """The fields of the object (for `set`), the permissions (grant/revoke), and a reason; `meta`
    is what step 1 collected, kept in the store under `form_id` (to add or remove people, the
    group as found too: `group_label`; to offboard, the vendors it covers: `vendors`)."""
    who = ", ".join(labels[:10]) + (f" and {len(labels) - 10} more" if len(labels) > 10 else "")
    action, vendor = meta["action"], meta["vendor"]
    said = f"*{action}* · {flat(who)}"
    if action == OFFBOARD:
        names = joined([VENDOR_NAMES.get(v, v) for v in meta.get("vendors") or ()] or ["no vendor"])
        said = (
            f"*Offboard* · {flat(who)} · on {esc(names)}: each of their accounts there is switched off "
            "once the request is approved; the card lists their groups (not removed)"
        )
    elif action in MEMBERSHIP:
        where = "to" if action == "add" else "from"
        group = flat(str(meta.get("group_label") or meta.get("group")))
        said = f"*{ACTION_LABELS[action]}* · {flat(who)} · {where} the group *{group}*"
    blocks: list[Any] = [ContextBlock(elements=[MarkdownTextObject(text=cut(said, 2000), verbatim=True)])]
    if action == "set" and model is not None:
        for name, info in model.model_fields.items():
            if name in HIDDEN and not allow_passwords:
                continue
            value = current.get(name)
            initial = None if value is None or name in HIDDEN else _initial(value)
            hint = cut(info.description or name, 2000)
            if value is not None and name not in HIDDEN:
                hint = cut(f"{hint} · now: {show(value, vendor=vendor, name=name)}", 2000)
            blocks.append(
                InputBlock(
                    block_id=name,
                    label=cut(name, 2000),
                    optional=True,
                    hint=hint,
                    element=PlainTextInputElement(action_id=name, initial_value=initial),
                )
            )
    elif action in ("grant", "revoke"):
        blocks.append(
            InputBlock(
                block_id="permissions",
                label=f"Permissions to {action}",
                element=StaticMultiSelectElement(
                    action_id="permissions", options=_options([(p, p) for p in permissions])
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id="reason",
            label="Reason",
            optional=True,
            element=PlainTextInputElement(action_id="reason", multiline=True, max_length=500),
        )
    )
    return View(
        type="modal",
        callback_id=STEP2,
        title="Steward request",
        submit="Send",
        close="Cancel",
        blocks=blocks[:100],
        private_metadata=form_id,
    ).to_dict()


def _initial(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def values(view: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed or chosen, by block id: text, a selected value, or a list of values."""
    found: dict[str, Any] = {}
    for block, inputs in (view.get("state", {}).get("values") or {}).items():
        for item in (inputs or {}).values():
            if not isinstance(item, dict):
                continue
            if "selected_options" in item:
                found[block] = [o.get("value") for o in item.get("selected_options") or []]
            elif "selected_option" in item:
                found[block] = (item.get("selected_option") or {}).get("value")
            else:
                found[block] = item.get("value")
    return found


def initial_values(view: Mapping[str, Any]) -> dict[str, str | None]:
    """The initial value of each text input of a view, by block id."""
    out: dict[str, str | None] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") == "input" and element.get("type") == "plain_text_input":
            out[str(block.get("block_id"))] = element.get("initial_value")
    return out

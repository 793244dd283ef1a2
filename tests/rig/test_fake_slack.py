"""The rig speaks Slack's protocol: the real slack_sdk client gets realistic answers from the fake
Web API (and its faults), signatures made by the rig pass Slack's own verifier, and a Bolt app
accepts the rig's signed requests and reaches the fake."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.rig import signing
from tests.rig.fake_slack import FakeSlack

SECRET = "rig-signing-secret"
TOKEN = "xoxb-test"
ANNA = {"email": "anna.petrova@acme.test", "real_name": "Anna Petrova"}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(token=TOKEN, users={"U0ANNA": ANNA}, not_in={"C0PRIVATE"}).start()
    try:
        yield slack
    finally:
        slack.stop()


def client(fake: FakeSlack, token: str = TOKEN, **options: Any) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=fake.url, **options)


# --- the Web API, through the real slack_sdk client ----------------------------------------------


async def test_auth_test_names_the_bot_and_its_scopes(fake: FakeSlack) -> None:
    answer = await client(fake).auth_test()

    assert answer["ok"] and answer["team_id"] == "T0STEWARD" and answer["bot_id"] == "B0STEWARD"
    assert {"url", "team", "user_id"} <= set(answer.data)
    assert "chat:write" in answer.headers["x-oauth-scopes"]
    [call] = fake.calls("auth.test")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_posted_message_is_kept_with_its_updates_and_thread(fake: FakeSlack) -> None:
    slack = client(fake)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*card*"}}]

    posted = await slack.chat_postMessage(channel="C0OPS", text="card", blocks=blocks)
    reply = await slack.chat_postMessage(channel="C0OPS", text="done", thread_ts=posted["ts"])
    updated = await slack.chat_update(channel="C0OPS", ts=posted["ts"], text="card, approved", blocks=[])

    assert posted["channel"] == "C0OPS" and posted["message"]["blocks"] == blocks
    assert reply["message"]["thread_ts"] == posted["ts"] and float(reply["ts"]) > float(posted["ts"])
    assert updated["ts"] == posted["ts"] and updated["text"] == "card, approved"
    assert fake.message("C0OPS", posted["ts"]).text == "card, approved"
    assert [m.text for m in fake.thread("C0OPS", posted["ts"])] == ["done"]
    # slack_sdk sends chat.* as JSON, so the blocks arrive as a list, not a string
    assert fake.calls("chat.postMessage")[0].args["blocks"] == blocks
    assert fake.calls("chat.postMessage")[0].headers["content-type"].startswith("application/json")


async def test_posting_where_the_bot_is_not_a_member_is_refused(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client(fake).chat_postMessage(channel="C0PRIVATE", text="hello")

    assert refused.value.response["error"] == "not_in_channel"


async def test_views_echo_the_view_with_an_id_and_a_fresh_hash(fake: FakeSlack) -> None:
    slack = client(fake)
    view = {"type": "modal", "callback_id": "steward_form", "title": {"type": "plain_text", "text": "S"}}

    opened = await slack.views_open(trigger_id="1.2.x", view=view)
    updated = await slack.views_update(view_id=opened["view"]["id"], hash=opened["view"]["hash"], view=view)

    assert opened["view"]["callback_id"] == "steward_form" and opened["view"]["id"]
    assert updated["view"]["id"] == opened["view"]["id"] and updated["view"]["hash"] != opened["view"]["hash"]


async def test_users_come_from_the_directory_and_strangers_are_not_found(fake: FakeSlack) -> None:
    slack = client(fake)

    anna = await slack.users_info(user="U0ANNA")
    with pytest.raises(SlackApiError) as stranger:
        await slack.users_info(user="U0NOBODY")

    assert anna["user"]["id"] == "U0ANNA" and anna["user"]["profile"]["email"] == ANNA["email"]
    assert stranger.value.response["error"] == "user_not_found"


async def test_a_direct_conversation_is_a_d_channel(fake: FakeSlack) -> None:
    opened = await client(fake).conversations_open(users="U0ANNA")

    assert opened["channel"]["id"].startswith("D")


async def test_a_call_without_a_token_or_with_another_token_is_refused(fake: FakeSlack) -> None:
    async with httpx.AsyncClient() as http:
        unauthenticated = (await http.post(fake.url + "auth.test")).json()
    with pytest.raises(SlackApiError) as wrong:
        await client(fake, token="xoxb-someone-else").auth_test()

    assert unauthenticated == {"ok": False, "error": "not_authed"}
    assert wrong.value.response["error"] == "invalid_auth"


async def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    answer = await AsyncWebhookClient(fake.hooks_url + "cmd/1").send(
        text="only you", response_type="ephemeral"
    )

    assert answer.status_code == 200 and answer.body == "ok"
    [call] = fake.calls("response_url")
    assert call.args == {"text": "only you", "response_type": "ephemeral"}


# --- faults -----------------------------------------------------------------------------------------


async def test_a_429_is_retried_by_the_sdk_after_retry_after_and_then_succeeds(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0)
    slack = client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])

    answer = await slack.chat_postMessage(channel="C0OPS", text="hello")

    assert answer["ok"]
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


async def test_a_429_without_a_retry_handler_carries_retry_after(fake: FakeSlack) -> None:
    fake.fail("chat.update", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as limited:
        await client(fake).chat_update(channel="C0OPS", ts="1.2", text="x")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] == "7"


async def test_server_errors_hit_only_the_faulted_method_and_only_as_often_as_asked(fake: FakeSlack) -> None:
    fake.fail("views.open", status=500, times=2)
    slack = client(fake)

    for _ in range(2):
        with pytest.raises(SlackApiError):
            await slack.views_open(trigger_id="1.2.x", view={"type": "modal"})
    await slack.auth_test()
    opened = await slack.views_open(trigger_id="1.2.x", view={"type": "modal"})

    assert opened["ok"]
    assert [c.status for c in fake.calls("views.open")] == [500, 500, 200]


async def test_a_hung_call_is_answered_only_after_its_delay(fake: FakeSlack) -> None:
    fake.hang("chat.postMessage", 1)
    impatient = client(fake, timeout=0.2, retry_handlers=[])

    with pytest.raises(TimeoutError):
        await impatient.chat_postMessage(channel="C0OPS", text="hello")
    answer = await impatient.chat_postMessage(channel="C0OPS", text="hello again")

    assert answer["ok"] and len(fake.calls("chat.postMessage")) == 2


async def test_while_slack_is_down_every_call_gets_503(fake: FakeSlack) -> None:
    slack = client(fake)
    fake.down()
    with pytest.raises(SlackApiError) as down:
        await slack.auth_test()
    fake.up()
    answer = await slack.auth_test()

    assert down.value.response.status_code == 503 and answer["ok"]
    assert [c.status for c in fake.calls("auth.test")] == [503, 200]


# --- waiting ---------------------------------------------------------------------------------------


def test_wait_for_returns_the_matching_calls(fake: FakeSlack) -> None:
    httpx.post(fake.url + "chat.postMessage", json={"channel": "C1", "text": "a"}, headers=_bearer())
    httpx.post(fake.url + "chat.postMessage", json={"channel": "C2", "text": "b"}, headers=_bearer())

    [call] = fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "C2")

    assert call.args["text"] == "b"


def test_wait_for_times_out_naming_what_it_waited_for_and_what_slack_saw(fake: FakeSlack) -> None:
    httpx.post(fake.url + "auth.test", headers=_bearer())

    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_clear_forgets_the_calls(fake: FakeSlack) -> None:
    httpx.post(fake.url + "auth.test", headers=_bearer())
    fake.clear()

    assert fake.calls() == []


def _bearer() -> dict[str, str]:
    return {"authorization": f"Bearer {TOKEN}"}


# --- signing ---------------------------------------------------------------------------------------


def test_a_signature_made_by_the_rig_passes_slacks_verifier_and_a_tampered_body_does_not() -> None:
    body = signing.slash_command("help", user_id="U0ADMIN", channel_id="C0OPS", response_url="http://x/")
    headers = signing.sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    ts, signature = headers["x-slack-request-timestamp"], headers["x-slack-signature"]

    assert verifier.is_valid(body, ts, signature)
    assert not verifier.is_valid(body.replace("help", "kaiten"), ts, signature)
    assert not SignatureVerifier("another-secret").is_valid(body, ts, signature)
    old = signing.sign(SECRET, body, ts=int(time.time()) - 301)
    assert not verifier.is_valid(body, old["x-slack-request-timestamp"], old["x-slack-signature"])


# --- Bolt accepts the rig's requests -------------------------------------------------------------


def bolt(fake: FakeSlack) -> httpx.AsyncClient:
    """A trivial Bolt app over the fake, served in-process as Steward serves it (Starlette)."""
    app = AsyncApp(client=client(fake), signing_secret=SECRET)

    @app.command("/steward")
    async def command(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text=f"on it: {command['text']}")

    @app.action("approve")
    async def approve(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        where = body["container"]
        text = f"approved {body['actions'][0]['value']} by {body['user']['id']}"
        await client.chat_update(channel=where["channel_id"], ts=where["message_ts"], text=text)

    @app.action("more")
    async def more(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = {"type": "modal", "callback_id": "more", "title": {"type": "plain_text", "text": "More"}}
        await client.views_push(trigger_id=body["trigger_id"], view=view)

    @app.view("steward_form")
    async def submitted(ack: Any, view: dict[str, Any]) -> None:
        theme = view["state"]["values"]["theme"]["pick"]["value"]
        await ack(response_action="errors", errors={"theme": f"{theme} ({view['private_metadata']})"})

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    api = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://steward")


async def post(http: httpx.AsyncClient, body: str, secret: str = SECRET) -> httpx.Response:
    return await http.post("/slack/events", content=body, headers=signing.sign(secret, body))


async def until(fake: FakeSlack, method: str, count: int = 1) -> list[Any]:
    # Bolt finishes the listener after the ack, on this loop: wait in a thread, not here.
    return await asyncio.to_thread(fake.wait_for, method, count)


async def test_bolt_accepts_a_signed_slash_command_and_reaches_the_fake(fake: FakeSlack) -> None:
    body = signing.slash_command(
        "kaiten user 42", user_id="U0ADMIN", channel_id="C0OPS", response_url=fake.hooks_url + "cmd"
    )
    async with bolt(fake) as http:
        answer = await post(http, body)
        [posted] = await until(fake, "chat.postMessage")

    assert answer.status_code == 200
    assert fake.calls("auth.test")  # Bolt's single-team authorization
    assert posted.args["channel"] == "C0OPS" and posted.args["text"] == "on it: kaiten user 42"


async def test_bolt_refuses_a_badly_signed_request_and_runs_nothing(fake: FakeSlack) -> None:
    body = signing.slash_command("help", user_id="U0ADMIN", channel_id="C0OPS", response_url=fake.hooks_url)
    async with bolt(fake) as http:
        answer = await post(http, body, secret="not-the-secret")

    assert answer.status_code == 401 and fake.calls() == []


async def test_bolt_reads_a_button_click_in_a_message(fake: FakeSlack) -> None:
    card = await client(fake).chat_postMessage(channel="C0OPS", text="card")
    body = signing.block_actions(
        "approve",
        "r-7",
        user_id="U0BOSS",
        channel_id="C0OPS",
        message_ts=card["ts"],
        response_url=fake.hooks_url + "act",
    )
    async with bolt(fake) as http:
        answer = await post(http, body)
        await until(fake, "chat.update")

    assert answer.status_code == 200
    assert fake.message("C0OPS", card["ts"]).text == "approved r-7 by U0BOSS"


async def test_bolt_reads_a_button_click_inside_a_modal(fake: FakeSlack) -> None:
    body = signing.block_actions_in_view("more", "1", user_id="U0ADMIN", trigger_id="2.3.fresh")
    async with bolt(fake) as http:
        answer = await post(http, body)
        [pushed] = await until(fake, "views.push")

    assert answer.status_code == 200 and pushed.args["trigger_id"] == "2.3.fresh"


async def test_bolt_reads_a_view_submission_and_answers_with_field_errors(fake: FakeSlack) -> None:
    values = {"theme": {"pick": {"type": "plain_text_input", "value": "purple"}}}
    body = signing.view_submission(
        "steward_form", values, json.dumps({"channel": "C0OPS"}), user_id="U0ADMIN"
    )
    async with bolt(fake) as http:
        answer = await post(http, body)

    assert answer.status_code == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"theme": 'purple ({"channel": "C0OPS"})'},
    }

"""Every example in README.md and in `/steward help` works against the sandbox as written
(issue 15, point 19): it parses, and its targets exist there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.flow import reports
from bot.flow.pipeline import Pipeline
from bot.language import Change, Members, Membership, Offboard, Show, parse
from bot.language.help import EXAMPLES
from tests.flow.conftest import ADMIN

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_examples() -> list[str]:
    found = []
    for line in README.read_text().splitlines():
        line = line.strip()
        # a command as a person types it: no <placeholders>, no […] options, no … elisions
        if line.startswith("/steward ") and not re.search(r"[<\[…|]|\s{2,}", line):
            found.append(line)
        for quoted in re.findall(r"`(/steward [^`]+)`", line):
            if not re.search(r"[<\[…|]", quoted):
                found.append(quoted)
    return found


EXAMPLE_LINES = sorted({*(e for lines in EXAMPLES.values() for e in lines), *_readme_examples()})


def test_the_readme_has_examples_to_check() -> None:
    assert len(_readme_examples()) >= 4


@pytest.mark.parametrize("example", EXAMPLE_LINES)
async def test_an_example_works_against_the_sandbox_as_written(pipeline: Pipeline, example: str) -> None:
    parsed = parse(example.removeprefix("/steward").strip())

    if isinstance(parsed, Members):
        text = await reports.members(pipeline, ADMIN, parsed.vendor, parsed.group, parsed.page)
        assert "direct member" in text, text
    elif isinstance(parsed, Membership):
        answer = await pipeline.submit_membership(parsed, ADMIN, "C0OPS")
        assert answer.request_id, answer.text
    elif isinstance(parsed, Offboard):
        answer = await pipeline.submit_offboard(parsed, ADMIN, "C0OPS")
        assert answer.request_id, answer.text
    elif isinstance(parsed, Show):
        text = await reports.show(pipeline, ADMIN, parsed.vendor, parsed.obj, parsed.target)
        assert "state:" in text, text
    elif isinstance(parsed, Change):
        answer = await pipeline.submit(parsed, ADMIN, "C0OPS")
        assert answer.request_id, answer.text  # a request was made: every target was found
        row = await pipeline.store.get(answer.request_id)
        assert row is not None and row.state in ("done", "pending"), (row and row.state, row and row.outcome)

"""The sandbox's data kept between runs: `steward run` starts the in-process sandbox vendors
anew each time, so without this a `disable` and then an `enable` would each find the sample
company as it shipped. One JSON file beside the store; `steward sandbox --reset` removes it."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from bot.sandbox.common import SandboxApp

log = logging.getLogger(__name__)


def load(apps: Mapping[str, SandboxApp], path: Path) -> None:
    """Each sandbox as the last run left it; the sample company when there is no file yet. A file
    that cannot be read is left aside (with a warning) rather than stopping Steward."""
    try:
        saved = json.loads(path.read_text())
    except FileNotFoundError:
        return
    except (OSError, ValueError) as err:
        log.warning(
            "the sandbox's saved data in %s cannot be read (%s); starting from the sample company", path, err
        )
        return
    for name, app in apps.items():
        if isinstance(saved, dict) and isinstance(saved.get(name), dict):
            app.restore(saved[name])


def save(apps: Mapping[str, SandboxApp], path: Path) -> None:
    """Write every sandbox's data, readable by its owner only, replacing the file in one step."""
    data = json.dumps({name: app.snapshot() for name, app in apps.items()}, ensure_ascii=False)
    part = path.with_name(path.name + ".part")
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(data)
    os.replace(part, path)


def reset(path: Path) -> bool:
    """Forget what calls changed: the next run finds the sample company. False when nothing was kept."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True

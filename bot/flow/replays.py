"""A slash command is one request: Slack gives each its own trigger id, so a second delivery of
the same signed command (a retry, or a captured request sent again within the 5 minutes Bolt
accepts its signature) is recognised by the store, across replicas, and makes nothing more."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from bot.store import Store

log = logging.getLogger(__name__)


async def first_delivery(store: Store, trigger_id: str, user: str) -> bool:
    """True when this command should run: the first delivery of its trigger id. A replay is
    logged, at INFO, and is False. Should the store fail to answer, the command runs all the
    same (a lost command is worse than a rare replay) and the log says so."""
    if not trigger_id:  # Slack always sends one; a command without has nothing to be known by
        return True
    try:
        first = await store.first_delivery(trigger_id)
    except (sa.exc.SQLAlchemyError, OSError) as err:
        log.warning("could not check whether command %s was already seen (%s); running it", trigger_id, err)
        return True
    if not first:
        log.info(
            "already seen: command %s from %s arrived again and was acknowledged without running it again",
            trigger_id,
            user,
        )
    return first

"""The NOTIFY that wakes other processes (bus/postgres.py): sent in the background, one at a time,
always for the newest Event id announced, and not lost when the bus stops."""

from __future__ import annotations

import asyncio

import asyncpg

from mission_control.bus.postgres import CHANNEL, PostgresBus


async def _listening(url: str) -> tuple[asyncpg.Connection, list[int]]:
    heard: list[int] = []
    conn = await asyncpg.connect(url)
    await conn.add_listener(CHANNEL, lambda _c, _p, _ch, payload: heard.append(int(payload)))
    return conn, heard


async def _until(heard: list[int], newest: int) -> None:
    async with asyncio.timeout(10):
        while not heard or heard[-1] != newest:
            await asyncio.sleep(0.01)


async def test_a_burst_of_commits_shares_notifies_and_the_newest_id_is_always_sent(
    pg_url: str,
) -> None:
    listener, heard = await _listening(pg_url)
    woken = 0

    def wake() -> None:
        nonlocal woken
        woken += 1

    bus = PostgresBus(pg_url)
    await bus.start(wake)
    try:
        woken = 0
        for event_id in range(1, 201):  # 200 commits announced faster than a round trip
            await bus.published(event_id)
        assert woken == 200  # this process is woken at once, every time
        await _until(heard, 200)
        assert heard == sorted(heard) and len(set(heard)) == len(heard)
        assert len(heard) < 200, "commits during a NOTIFY's round trip share the next one"

        # A lone commit later still gets its own NOTIFY, and an older id sends nothing new.
        await bus.published(201)
        await _until(heard, 201)
        sent = len(heard)
        await bus.published(150)
        await asyncio.sleep(0.2)
        assert len(heard) == sent
    finally:
        await bus.stop()
        await listener.close()


async def test_stopping_sends_the_last_notify_first(pg_url: str) -> None:
    listener, heard = await _listening(pg_url)
    bus = PostgresBus(pg_url)
    await bus.start(lambda: None)
    try:
        for event_id in range(1, 51):
            await bus.published(event_id)
    finally:
        await bus.stop()  # right away: the NOTIFY for 50 may still be queued behind another
    try:
        await _until(heard, 50)
    finally:
        await listener.close()

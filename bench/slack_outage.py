"""Does a Slack outage slow mutations down? And how fast does the outbox drain afterwards?

Runs N createTask mutations (after a few untimed warm-up ones) against a real server three
ways, each on a fresh SQLite file: without Slack (the baseline), with a healthy fake Slack, and
with a fake Slack answering 500.
Then it brings Slack back and times the drain of everything queued during the outage.

    .venv/bin/python -m bench.slack_outage [N]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.slack.conftest import slack_env
from tests.slack.fake_slack import FakeSlack
from tests.support.factories import make_task
from tests.support.graphql import http_client
from tests.support.server import ServerProcess

WARM_UP = 20


async def time_drain(fake: FakeSlack, queued: int) -> tuple[int, float]:
    """Bring Slack back and time until every queued message has been posted."""
    before = len(fake.posted())
    fake.down = False
    start = time.perf_counter()
    await asyncio.to_thread(fake.wait_for, lambda f: len(f.posted()) - before >= queued, 120)
    return queued, time.perf_counter() - start


async def timed_creates(server: ServerProcess, count: int) -> list[float]:
    client = http_client(server.graphql_url, server.operator_token)
    for n in range(WARM_UP):
        await make_task(client, title=f"Warm-up {n}")
    took = []
    for n in range(count):
        start = time.perf_counter()
        await make_task(client, title=f"Bench task {n}")
        took.append((time.perf_counter() - start) * 1000)
    return took


def line(name: str, took: list[float]) -> str:
    p95 = statistics.quantiles(took, n=20)[-1]
    return f"{name:<22} median {statistics.median(took):6.2f} ms   p95 {p95:6.2f} ms"


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs: dict[str, list[float]] = {}
        fake = FakeSlack().start()
        for name, env in (
            ("no Slack (baseline)", {}),
            ("Slack healthy", slack_env(fake)),
            ("Slack down (500s)", slack_env(fake)),
        ):
            work = root / name.split()[0] / name.split()[1]
            work.mkdir(parents=True)
            fake.down = name.startswith("Slack down")
            server = ServerProcess(work, f"sqlite://{work / 'mc.db'}", env=env).start()
            try:
                runs[name] = await timed_creates(server, count)
                if fake.down:
                    queued, drained = await time_drain(
                        fake, 2 * (count + WARM_UP)
                    )  # created+triaged
            finally:
                server.stop()
        fake.stop()
    for name, took in runs.items():
        print(line(name, took))
    print(
        f"outbox drain after the outage: {queued} messages in {drained:.2f} s "
        f"({queued / drained:.0f} msg/s, includes the first retry's backoff)"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))

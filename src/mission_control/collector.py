"""The garbage collector paced for a server that holds thousands of live subscriptions.

Python's automatic full collection walks every tracked object and stops the event loop while
it does. With 2,000 subscribers (about 550,000 objects) each one took 200-335 ms, and it came
several times a minute: the tail of every delivery and every write (docs/architecture.md,
"Fan-out"). Reference counting frees almost everything; the collector is only for cycles.

So the server takes the full collections into its own hands (`CollectorPacing`):

- automatic collections of the young generations stay as they are (a few ms each);
- the automatic full collection is switched off, and a full pass runs every `every` seconds
  instead: it collects, then freezes what survived, so the next pass walks only the objects
  that arrived since (milliseconds, not hundreds of them);
- a pass that finds more than `walk_limit` new objects in the oldest generation (a burst
  of subscriptions: 2,000 are about 550,000 objects, a 300 ms walk) freezes them without
  walking them: they are mostly the new subscriptions, alive;
- every `whole_every`-th pass first unfreezes everything, so a cycle that died after it was
  frozen (a closed subscription's, say) is collected then: once an hour by default, the one
  pass that walks the whole heap.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)

# gc's third threshold counts young-generation collections between full ones: this many
# never comes, so the interpreter starts no full collection on its own.
NEVER = 2**30


class CollectorPacing:
    """Full collections on a timer in the running loop, each walking only recent objects."""

    def __init__(
        self, every: float = 60.0, whole_every: int = 60, walk_limit: int = 100_000
    ) -> None:
        self.every = every
        self.whole_every = whole_every
        self.walk_limit = walk_limit
        self.passes = 0
        self.longest_ms = 0.0
        self._saved: tuple[int, int, int] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Take over full collections (call from the running loop, after start-up's freeze)."""
        young, middle, _ = self._saved = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def _schedule(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self.every, self._pass)

    def _pass(self) -> None:
        self.collect()
        self._schedule()

    def collect(self) -> int:
        """One full pass: everything not frozen (everything, every `whole_every`-th time),
        then freeze the survivors. Returns the objects collected."""
        self.passes += 1
        started = time.perf_counter()
        whole = self.passes % self.whole_every == 0
        if whole:
            gc.unfreeze()
            collected = gc.collect()
        elif len(gc.get_objects(generation=2)) > self.walk_limit:
            collected = gc.collect(1)  # the young ones only; the burst is frozen unwalked
        else:
            collected = gc.collect()
        gc.freeze()
        took = (time.perf_counter() - started) * 1000
        self.longest_ms = max(self.longest_ms, took)
        log.debug(
            "collector pass %d (%s): %d collected in %.1f ms, %d frozen",
            self.passes,
            "whole heap" if whole else "recent objects",
            collected,
            took,
            gc.get_freeze_count(),
        )
        return collected

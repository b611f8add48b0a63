"""The collector's pacing (collector.py): no automatic full collection, a timed pass that
collects and freezes, and a periodic pass over the whole heap that frees frozen cycles."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from mission_control.collector import NEVER, CollectorPacing


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    """A two-object cycle that nothing else refers to; a weak reference to watch it go."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def clean_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("clean_collector")
async def test_start_switches_off_automatic_full_collections_and_stop_restores_them() -> None:
    before = gc.get_threshold()
    pacing = CollectorPacing(every=3600)
    pacing.start()
    assert gc.get_threshold() == (before[0], before[1], NEVER)
    pacing.stop()
    assert gc.get_threshold() == before


@pytest.mark.usefixtures("clean_collector")
def test_a_pass_collects_cycles_then_freezes_what_survived() -> None:
    pacing = CollectorPacing(whole_every=3)
    dead = cycle()

    assert pacing.collect() >= 2
    assert dead() is None
    assert gc.get_freeze_count() > 0, "the survivors are frozen"


@pytest.mark.usefixtures("clean_collector")
def test_a_cycle_that_dies_after_it_was_frozen_goes_at_the_whole_heap_pass() -> None:
    pacing = CollectorPacing(whole_every=2)
    a, b = Node(), Node()
    a.other, b.other = b, a
    watched = weakref.ref(a)
    pacing.collect()  # pass 1: a and b are alive, and frozen with the rest
    del a, b

    pacing.collect()  # pass 2 is the whole-heap one: it unfreezes first
    assert watched() is None


@pytest.mark.usefixtures("clean_collector")
def test_a_frozen_cycle_outlives_the_recent_objects_passes() -> None:
    pacing = CollectorPacing(whole_every=10)
    a, b = Node(), Node()
    a.other, b.other = b, a
    watched = weakref.ref(a)
    pacing.collect()
    del a, b

    pacing.collect()  # only recent objects: the frozen pair is not walked
    assert watched() is not None
    gc.unfreeze()
    gc.collect()
    assert watched() is None


@pytest.mark.usefixtures("clean_collector")
async def test_the_timer_runs_passes_in_the_loop() -> None:
    pacing = CollectorPacing(every=0.01)
    pacing.start()
    try:
        dead = cycle()
        for _ in range(100):
            if pacing.passes >= 2:
                break
            await asyncio.sleep(0.01)
    finally:
        pacing.stop()
    assert pacing.passes >= 2 and dead() is None


@pytest.mark.usefixtures("clean_collector")
def test_a_burst_of_new_objects_is_frozen_without_a_walk_until_the_whole_heap_pass() -> None:
    pacing = CollectorPacing(whole_every=3, walk_limit=1_000)
    pacing.collect()  # start from a frozen heap
    a, b = Node(), Node()
    a.other, b.other = b, a
    watched = weakref.ref(a)
    burst = [Node() for _ in range(5_000)]
    gc.collect(1)  # what the interpreter does on its own: they reach the oldest generation
    del a, b

    pacing.collect()  # pass 2: more than the limit is new, so it is frozen unwalked
    assert watched() is not None
    assert burst[0] is not None

    pacing.collect()  # pass 3, the whole heap: the dead pair goes
    assert watched() is None

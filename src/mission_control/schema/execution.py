"""Subscription payloads executed once per Event for everyone who asked the same question.

Two things happen per subscription event in graphql-core: a per-event executor is made from
the subscription's executor, and the selection set is executed on the payload. This module's
executor class changes both:

- graphql-core 3.3.2's `build_per_event_executor` is a shallow copy that shares the parent's
  sub-field cache. That cache is keyed by the identity of the field list, and each event
  collects the root fields afresh, so every delivered event added one `CollectedFields`
  that lived as long as the subscription (the leak of issue 13). Each per-event executor
  gets its own cache here, dropped with it.
- The result of executing a payload depends only on the document, the variables used below
  the root field, the caller's role and the Event. Results are memoised under that key for
  the most recent Events, together with their JSON text, so N subscribers with the same
  question cost one execution and one serialisation (see `SharedPayloads`).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graphql import ExecutionResult, FieldNode, VariableNode, visit
from graphql.language import Visitor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from mission_control.bus.hub import direct_delivery
from mission_control.domain.events import EventRecord
from mission_control.schema.types import Event

# Recent Events a memoised payload is kept for: every live subscriber is within a few of the
# newest; one replaying further back simply executes again.
MEMO_SIZE = 4096

T = TypeVar("T")


class SharedPayloads:
    """A bounded memo: (question, Event) → the execution result and its JSON text."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._results: OrderedDict[tuple[Any, ...], ExecutionResult] = OrderedDict()
        # id(result.data) → (data, its JSON text, what was made of the text); the data is kept
        # so its id is not reused.
        self._texts: dict[int, tuple[Any, str, dict[Hashable, Any]]] = {}
        self.executions = 0

    def get(self, key: tuple[Any, ...]) -> ExecutionResult | None:
        return self._results.get(key)

    def put(self, key: tuple[Any, ...], result: ExecutionResult) -> None:
        self.executions += 1
        if result.errors or not isinstance(result.data, dict):
            return  # errors may name the caller: never shared
        self._results[key] = result
        text = json.dumps(result.data, separators=(",", ":"))
        self._texts[id(result.data)] = (result.data, text, {})
        while len(self._results) > self.size:
            _, old = self._results.popitem(last=False)
            self._texts.pop(id(old.data), None)

    def text_of(self, data: object) -> str | None:
        """The JSON text of a shared payload's data, or None if `data` is not one."""
        entry = self._texts.get(id(data))
        return entry[1] if entry is not None and entry[0] is data else None

    def made_of(self, data: object, key: Hashable, make: Callable[[str], T]) -> T | None:
        """`make(text)` of a shared payload's JSON text, made once per `key` and kept as long
        as the payload (the bytes of a message around it that every subscriber receives);
        None if `data` is not a shared payload. Keys must be few per payload: what is made
        is kept for every remembered Event."""
        entry = self._texts.get(id(data))
        if entry is None or entry[0] is not data:
            return None
        made: dict[Hashable, Any] = entry[2]
        if key not in made:
            made[key] = make(entry[1])
        result: T = made[key]
        return result

    def kept_with(self, data: object) -> int:
        """How many things made of a shared payload's text are kept with it."""
        entry = self._texts.get(id(data))
        return len(entry[2]) if entry is not None and entry[0] is data else 0


shared_payloads = SharedPayloads()


class _VariablesBelowRoot(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.names.add(node.name.value)


def _payload_variables(executor: StrawberryGraphQLCoreExecutionContext) -> tuple[Any, ...]:
    """The variables that can change a payload: those used below the root fields.

    The root field's own arguments (since, taskId, kinds, …) only choose which Events arrive.
    """
    visitor = _VariablesBelowRoot()
    for selection in executor.operation.selection_set.selections:
        if isinstance(selection, FieldNode) and selection.selection_set is not None:
            visit(selection.selection_set, visitor)
        elif not isinstance(selection, FieldNode):
            visit(selection, visitor)
    for fragment in executor.fragment_definitions.values():
        visit(fragment, visitor)
    coerced = executor.variable_values.coerced
    return tuple(
        (name, json.dumps(coerced.get(name), sort_keys=True, default=str))
        for name in sorted(visitor.names)
    )


def _event_id(payload: object) -> int | None:
    event_id = getattr(payload, "event_id", None)
    if event_id is None and type(payload).__name__ == "Event":
        event_id = getattr(payload, "id", None)
    return event_id if isinstance(event_id, int) else None


class SubscriptionExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with a leak-free, memoised per-event execution."""

    _question: tuple[Any, ...] | None = None
    _memo_key: tuple[Any, ...] | None = None

    def build_per_event_executor(self, payload: Any) -> SubscriptionExecutor:
        key = self._key_for(payload)
        shared = shared_payloads.get(key) if key is not None else None
        if shared is not None:
            # Already executed for someone else: no copy of this executor, no execution.
            return _SharedEvent.of(shared)
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, SubscriptionExecutor)
        # Only per-event executors memoise: queries and mutations run no code of this module.
        executor.__class__ = _EventExecutor
        # Its own sub-field cache: sharing the parent's keeps one entry per event forever.
        executor._relevant_sub_fields = {}
        executor._memo_key = key
        return executor

    def _key_for(self, payload: object) -> tuple[Any, ...] | None:
        event_id = _event_id(payload)
        actor = getattr(self.context_value, "_actor", None)
        if event_id is None or actor is None:
            return None
        if self._question is None:
            source = self.operation.loc.source.body if self.operation.loc else None
            if source is None:
                return None
            name = self.operation.name.value if self.operation.name else None
            # Event ids are unique in one database: the hub (one per runtime) says which.
            stream = getattr(getattr(self.context_value, "hub", None), "serial", None)
            self._question = (stream, source, name, _payload_variables(self))
            direct = direct_delivery.get()
            if isinstance(direct, DirectFrames) and type(payload) is Event:
                direct.attach(self, (*self._question, str(actor.role), "Event"))
        return (*self._question, str(actor.role), type(payload).__name__, event_id)


class DirectFrames:
    """The hub's direct delivery for one `events` subscription over graphql-transport-ws.

    Once the subscription has executed its first Event (and so knows its question and its
    caller's role), the hub may hand it later Events itself (bus/hub.py: `take_directly`):
    the Event's payload is the shared one (executed here with this subscription's own
    executor if no one has yet), its frame made from bytes kept with the payload, and the
    delivery one write, with no queue, no task and no generator per subscriber. Anything
    this can't do at once (an execution that awaits, errors, a connection that can't take
    the frame now) answers False, and the Event takes the ordinary way.
    """

    def __init__(
        self, frame_of: Callable[[Any], bytes | None], write: Callable[[bytes], bool]
    ) -> None:
        self.frame_of = frame_of  # a shared payload's data → this operation's whole frame
        self.write = write
        self._executor: SubscriptionExecutor | None = None
        self._key: tuple[Any, ...] = ()
        self._finishing: asyncio.Future[Any] | None = None

    def attach(self, executor: SubscriptionExecutor, key: tuple[Any, ...]) -> None:
        self._executor, self._key = executor, key

    def deliver(self, event: EventRecord) -> bool:
        if self._executor is None:
            return False
        shared = shared_payloads.get((*self._key, event.id))
        if shared is None:
            result = self._executor.build_per_event_executor(
                Event.from_record(event)
            ).execute_operation()
            if self._executor.is_awaitable(result):
                # A field that awaits: this question is not for direct delivery. The execution
                # finishes (and is remembered) for the stream, which takes this Event.
                self._executor = None
                self._finishing = asyncio.ensure_future(result)
                return False
            shared = shared_payloads.get((*self._key, event.id))
            if shared is None:
                return False  # errors: never shared, the ordinary way reports them
        frame = self.frame_of(shared.data)
        return frame is not None and self.write(frame)


class _EventExecutor(SubscriptionExecutor):
    """The executor of one delivered Event: its result is shared under its memo key."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._memo_key
        if key is None:
            return super().execute_operation(serially)
        shared = shared_payloads.get(key)
        if shared is not None:
            return shared
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._remember_later(key, result)
        if isinstance(result, ExecutionResult):
            shared_payloads.put(key, result)
        return result

    async def _remember_later(self, key: tuple[Any, ...], pending: Any) -> Any:
        result = await pending
        if isinstance(result, ExecutionResult):
            shared_payloads.put(key, result)
        return result


class _SharedEvent(SubscriptionExecutor):
    """Stands in for the per-event executor of an Event whose result is shared already.

    graphql-core only asks a per-event executor to `execute_operation`; copying the
    subscription's executor (graphql-core's `build_per_event_executor`) for each of 500
    subscribers cost more than everything else in the payload's path.
    """

    _shared: ExecutionResult

    @classmethod
    def of(cls, shared: ExecutionResult) -> _SharedEvent:
        stand_in = object.__new__(cls)  # no state of an executor: nothing else is called
        stand_in._shared = shared
        return stand_in

    def execute_operation(self, serially: bool | None = None) -> Any:
        return self._shared

"""The event bus: tells every subscriber, in every process, about committed Events."""

from mission_control.bus.base import Bus, EventStore
from mission_control.bus.hub import EventHub

__all__ = ["Bus", "EventHub", "EventStore"]

"""Mission Control: a Kanban task backend for autonomous agents and the operator who steers them."""

__version__ = "0.1.0"

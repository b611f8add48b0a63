"""The `mission-control` command: serve, migrate, and (over GraphQL) tasks, agents and watch."""

from mission_control.cli.main import app, main

__all__ = ["app", "main"]

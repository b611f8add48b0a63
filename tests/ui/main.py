"""The NiceGUI main file the `user` fixture runs: the real pages for the test's runtime.

tests/ui/conftest.py starts that runtime (a real SQLite file of the test's own) before the
`user` fixture runs this file, and stops it afterwards.
"""

from nicegui import ui

from mission_control.ui import register_pages
from tests.ui.conftest import started_runtime

register_pages(started_runtime())
ui.run(storage_secret="user-simulation", show_welcome_message=False)

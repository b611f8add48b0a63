"""A test that leaves an orphan behind; run only by test_processes.py in a pytest of its own."""

from __future__ import annotations

import subprocess
import sys

ORPHAN = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # leaked on purpose"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


def test_leaves_an_orphan() -> None:
    subprocess.run([sys.executable, "-c", ORPHAN], check=True)

"""The program's exit: what is left is frozen, not walked by the exit's collections."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROGRAM = """
import atexit, gc, sys
# Registered first, so it runs last: after anything main() registered.
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
from abc_costing.cli import main
try:
    main({argv})
except SystemExit:
    pass
"""


@pytest.mark.parametrize(("argv", "frozen"), [("", True), ("['--version']", False)])
def test_only_the_program_itself_freezes_its_objects_at_exit(argv, frozen):
    """Run as the program (no arguments given to main: the console script), the objects
    left are frozen at exit; called with arguments (tests, other callers in a process that
    goes on), main leaves the process's collector alone."""
    done = subprocess.run([sys.executable, "-c", _PROGRAM.format(argv=argv)],
                          capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == f"frozen at exit: {frozen}"

"""Reading models from short-lived threads, as Streamlit does on every rerun.

yaml_rs 0.1.6 segfaults when the thread that imported it has exited; the
reader imports it on a thread that lives as long as the process. This test
imports abc_costing on a thread that exits, then reads models from many
later threads, in a fresh interpreter (a crash would kill pytest itself).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = """
import threading
from pathlib import Path

def first():
    import abc_costing.formats as formats
    formats.read_model(Path("process_models/contract_approval/as_is.yaml"))

thread = threading.Thread(target=first)
thread.start()
thread.join()

from abc_costing.formats import parse_model_text, read_model
results = []
def later():
    model, problems = read_model(Path("process_models/contract_approval/as_is.yaml"))
    bad = parse_model_text("format: abc-costing/1\\nprocess: [", source="bad.yaml")
    results.append((model is not None, bool(bad[1])))

for _ in range(40):
    thread = threading.Thread(target=later)
    thread.start()
    thread.join()
print(len(results), all(ok and bad for ok, bad in results))
"""


@pytest.mark.slow
def test_models_read_from_threads_after_the_importing_thread_exited():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["40", "True"]

"""Every benchmark answers ``--help`` with its usage instead of running (issue 16: a bench
that ran for minutes or ended in a traceback when asked for help)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHES = sorted((Path(__file__).resolve().parent.parent / "bench").glob("bench_*.py"))


@pytest.mark.parametrize("script", BENCHES, ids=lambda path: path.stem)
def test_a_bench_answers_help_with_its_usage(script: Path):
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.lower().startswith("usage:")
    # nothing was measured: the machine line every bench prints first is absent
    assert "machine: nproc=" not in done.stdout

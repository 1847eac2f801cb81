"""One OpenBLAS thread also when NumPy was imported before abc_costing (a dashboard page
importing Streamlit first, a notebook, the benchmark): OpenBLAS had already started a
thread per core, and its spinning threads made a 1,000-model portfolio cost 21 s of CPU
instead of 2 s."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# How many threads the OpenBLAS NumPy loaded will use, asked of the library itself.
ASK = """
import ctypes, numpy
{before}
maps = open("/proc/self/maps").read().splitlines()
path = next(line.split(maxsplit=5)[5] for line in maps
            if "openblas" in line and "numpy" in line and len(line.split()) == 6)
library = ctypes.CDLL(path)
getter = next(getattr(library, name) for name in (
    "scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
    "openblas_get_num_threads") if hasattr(library, name))
print(getter())
"""

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/maps") or (os.cpu_count() or 1) < 2,
    reason="OpenBLAS is found through /proc/self/maps; one core has one thread anyway")


def threads(before: str, **environment: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | environment
    said = subprocess.run([sys.executable, "-c", ASK.format(before=before)], env=env,
                          capture_output=True, text=True, check=True)
    return int(said.stdout.strip())


def test_numpy_imported_first_gets_one_thread_once_abc_costing_is_imported():
    cores = os.cpu_count() or 1
    assert threads("") == min(cores, 64)  # OpenBLAS alone: a thread per core (at most 64)
    assert threads("import abc_costing") == 1


def test_a_user_who_set_the_threads_keeps_them():
    assert threads("import abc_costing", OPENBLAS_NUM_THREADS="2") == 2


def test_the_openblas_libraries_told_are_those_loaded():
    ask = ("{before}from abc_costing.memory import one_thread_in_loaded_openblas; import sys; "
           "print(one_thread_in_loaded_openblas(), 'numpy' in sys.modules)")
    said = [subprocess.run([sys.executable, "-c", ask.format(before=before)],
                           capture_output=True, text=True, check=True).stdout.split()
            for before in ("", "import numpy; ")]
    assert said == [["0", "False"], ["1", "True"]]  # none loaded, none told; NumPy's: one

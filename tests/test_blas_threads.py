"""One OpenBLAS thread also when NumPy was imported before abc_costing (a dashboard page
importing Streamlit first, a notebook, the benchmark): OpenBLAS had already started a
thread per core, and its spinning threads made a 1,000-model portfolio cost 21 s of CPU
instead of 2 s."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# How many threads the BLAS NumPy loaded will use, asked of the library (threadpoolctl).
ASK = """
import numpy
{before}
from threadpoolctl import threadpool_info
print(max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"))
"""

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2,
                                reason="one core has one thread anyway")


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


def test_numpy_imported_after_abc_costing_gets_one_thread_from_the_start():
    ask = ("import abc_costing, sys; print('threadpoolctl' in sys.modules); " + ASK)
    said = subprocess.run([sys.executable, "-c", ask.format(before="")],
                          env={k: v for k, v in os.environ.items()
                               if k != "OPENBLAS_NUM_THREADS"},
                          capture_output=True, text=True, check=True).stdout.split()
    # the setting read when OpenBLAS loads; nothing to tell at run time, nothing imported
    assert said == ["False", "1"]

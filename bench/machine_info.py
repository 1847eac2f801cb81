"""What every benchmark prints first: the machine, its load, and how a figure is judged."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

__all__ = ["answer_help", "machine", "load_average", "peak_mib", "verdict"]


def answer_help(doc: str | None, usage: str) -> None:
    """Print the benchmark's usage and what it measures, and exit 0, when the command line
    asks for ``-h``/``--help``: a benchmark answers that instead of running for minutes."""
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(f"usage: {usage}\n\n{(doc or '').strip()}")
        raise SystemExit(0)


def machine() -> str:
    """One line naming the cores, the CPU model and the Python version."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"machine: nproc={os.cpu_count()}, cpu={cpu}, "
            f"python={platform.python_version()} ({sys.implementation.name})")


def load_average() -> str:
    """The 1, 5 and 15-minute load averages: other jobs skew wall times."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def verdict(seconds: float, target_seconds: float) -> str:
    """PASS when under the target."""
    return "PASS" if seconds < target_seconds else "FAIL"



def peak_mib() -> float:
    """The peak resident memory, in MiB, of this program since it started (VmHWM).

    A child's ``ru_maxrss`` is no good for this: it also counts the parent's
    pages the child shared between fork and exec, so a benchmark that has just
    generated a large log would see them charged to the program it measures.
    VmHWM belongs to the memory map that exec creates: it is the program's own.
    Stdlib only, so the throwaway venvs' runners can import it too.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

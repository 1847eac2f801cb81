"""What every benchmark prints first: the machine, its load, and how a figure is judged."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

__all__ = ["machine", "load_average", "verdict"]


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

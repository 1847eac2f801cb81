"""A Python with a package the project must not depend on (PM4Py: AGPL; Prosimos: pandas < 3)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["throwaway_python"]


def throwaway_python(package: str, *, venv: Path | None, workdir: Path) -> Path:
    """The Python of ``venv`` if given, else of a new venv in ``workdir`` with ``package``.

    Raises ``subprocess.CalledProcessError`` when the package cannot be
    installed or imported.
    """
    if venv is None:
        venv = workdir / "venv"
        print(f"installing {package} into a throwaway venv ({venv}) ...", flush=True)
        base = shutil.which("python3") or sys.executable
        subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True,
                       text=True)
        subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", package],
                       check=True, capture_output=True, text=True)
    python = venv / "bin/python"
    subprocess.run([str(python), "-c", f"import {package}"], check=True, capture_output=True,
                   text=True)
    return python

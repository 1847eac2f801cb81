"""Recalculate workbooks with LibreOffice headless, as a real spreadsheet application would.

LibreOffice keeps the cached values of an ``.xlsx`` by default ("never
recalculate" for Excel 2007+ files), which would let a test read back the
values the writer stored instead of what the formulas compute. The throwaway
profile used here sets ``OOXMLRecalcMode`` to 0 (always recalculate), and a
profile of its own per call keeps parallel and CI runs from clashing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["SOFFICE", "first_sheet_as_shown", "soffice", "recalculate"]

SOFFICE = Path("/usr/bin/soffice")

_RECALC_ALWAYS = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or (str(SOFFICE) if SOFFICE.exists() else None)


def recalculate(paths: Sequence[Path], out_dir: Path, *, timeout: float = 120) -> list[Path]:
    """Open each ``.xlsx`` in LibreOffice, recalculate every formula, save it into ``out_dir``.

    One LibreOffice start converts all the files (a start costs about a
    second). Returns the output paths, in the order given; raises
    RuntimeError when LibreOffice fails or times out.
    """
    return _convert(paths, out_dir, "xlsx:Calc MS Excel 2007 XML", ".xlsx", timeout=timeout)


def first_sheet_as_shown(path: Path, out_dir: Path, *, timeout: float = 120) -> str:
    """The first sheet of a recalculated workbook as LibreOffice displays it, as CSV text.

    Cells are written "as shown" (the filter's default): numbers rounded by
    their number format the way the spreadsheet rounds them for a reader.
    """
    # Filter options: comma, double quote, UTF-8 (76), start at row 1.
    [output] = _convert([path], out_dir, "csv:Text - txt - csv (StarCalc):44,34,76,1", ".csv",
                        timeout=timeout)
    return output.read_text(encoding="utf-8")


def _convert(paths: Sequence[Path], out_dir: Path, target: str, suffix: str, *,
             timeout: float) -> list[Path]:
    executable = soffice()
    if executable is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(Path(p).resolve().parent == out_dir.resolve() for p in paths):
        raise ValueError("out_dir must differ from the inputs' folder (names are kept)")
    outputs = [out_dir / Path(p).with_suffix(suffix).name for p in paths]
    for output in outputs:
        output.unlink(missing_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="abc-costing-lo-"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS)
        command = [executable, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--nologo", "--calc",
                   "--convert-to", target, "--outdir", str(out_dir),
                   *map(str, paths)]
        # Its own session, so a timeout can stop soffice.bin too, not only the wrapper script.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RuntimeError(f"LibreOffice did not finish within {timeout} s") from None
        missing = [str(p) for p in outputs if not p.is_file()]
        if process.returncode != 0 or missing:
            raise RuntimeError(
                f"LibreOffice exited with {process.returncode}; missing {missing}\n"
                f"{stdout.decode(errors='replace')}\n{stderr.decode(errors='replace')}")
        return outputs
    finally:
        shutil.rmtree(profile, ignore_errors=True)

"""Read every public event log in a folder the way a user would, and tally what happens.

    .venv/bin/python bench/bench_public_logs.py /tmp/public_logs

Each file (CSV, Parquet, XES, ``.xes.gz``) goes through the application
layer's ``event_log_variants`` with the columns guessed (what the CLI's
``variants`` does without options). One line per file: read or refused
(with the first problem), cases, events, variants, the mean labour minutes
per case when the log has start times, the recorded cost when it has one,
warnings, and the wall time. The files come from public repositories (see
bench/README.md, "Public event logs"); they are not shipped with the project.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from machine_info import answer_help, load_average, machine

from abc_costing import workflows as wf

SUFFIXES = (".csv", ".parquet", ".xes", ".xes.gz")


def _log_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.lower().endswith(SUFFIXES))


def _mean_labour(variants) -> float | None:
    cases = sum(v.case_count for v in variants)
    if not cases:
        return None
    return sum(v.case_count * v.mean_labor_minutes for v in variants) / cases


def main(argv: list[str]) -> int:
    answer_help(__doc__, "bench_public_logs.py FOLDER")
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(__doc__)
        return 2
    print(machine())
    print(load_average())
    tally: Counter[str] = Counter()
    for path in _log_files(Path(argv[0])):
        started = time.perf_counter()
        found = wf.event_log_variants(path, source_name=path.name)
        seconds = time.perf_counter() - started
        errors = [p for p in found.problems if p.severity == "error"]
        warnings = [*found.warnings, *(p for p in found.problems if p.severity != "error")]
        if errors or found.case_count is None:
            tally["refused"] += 1
            first = str(errors[0] if errors else found.problems[0]).replace("\n", " ")
            print(f"REFUSED  {path.name}: {first[:160]}  ({seconds:.2f} s)")
            continue
        tally["read"] += 1
        labour = _mean_labour(found.variants)
        recorded = [getattr(v, "recorded_cost_per_case", None) for v in found.variants]
        has_cost = any(r is not None for r in recorded)
        print(f"read     {path.name}: {found.case_count:,} cases, {found.event_count:,} events, "
              f"{len(found.variants):,} variants"
              + ("" if labour is None else f", labour {labour:,.1f} min/case")
              + (", recorded cost" if has_cost else "")
              + (f"; {len(warnings)} warning(s): {str(warnings[0].message)[:90]}" if warnings
                 else "")
              + f"  ({seconds:.2f} s)")
    print(f"\n{tally['read']} read, {tally['refused']} refused, of {sum(tally.values())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

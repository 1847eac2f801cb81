"""Benchmark: import every BPMN file of a folder through the workflow, and tally the outcomes.

Made for the BPMN Model Interchange Working Group's test suite
(``bpmn-miwg/bpmn-miwg-test-suite``: about 830 files written by 36 modelling
tools), but any folder of ``.bpmn`` files will do. Each file goes through
:func:`abc_costing.workflows.import_bpmn_pools` (every pool with content becomes
a model), as ``abc-costing import-bpmn --all-pools`` does, and lands in one of:

* **imported**: a model text for every pool, with nothing to fix but the
  ``"?"`` placeholders for what the file does not carry (rates, minutes,
  branch probabilities, waits): once they are filled in (1 for every rate,
  minute and wait; the probability left over, shared equally among a split's
  ``"?"`` flows) the model validates and costs, with no warning;
* **imported with problems**: a model text, and warnings or errors beyond
  those placeholders (an element left out, a loop costed once, a flow that
  does not validate once filled in...);
* **refused**: no model text.

Reasons are the problems' messages with ids, names and numbers blanked, so one
reason counts every file that has it. Usage::

    .venv/bin/python bench/bench_public_bpmn.py /tmp/miwg            # the tally
    .venv/bin/python bench/bench_public_bpmn.py /tmp/miwg --files 5  # + 5 files per reason
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from machine_info import load_average, machine

from abc_costing import workflows as wf
from abc_costing.engine import cost_model
from abc_costing.formats import model_from_data, parse_yaml_data
from abc_costing.problems import Problem

# A "?" the file did not carry, as the importer warns about it.
_PLACEHOLDER = re.compile(r'placeholder "\?"')


def reason(message: str) -> str:
    """A problem's message with what varies from file to file blanked out.

    >>> reason("subprocess 'Sub_1' needs exactly one start event, has 0")
    'subprocess … needs exactly one start event, has N'
    """
    text = re.sub(r"'[^']*'|\"[^\"]*\"|<[^>]*>", "…", message)
    text = re.sub(r"\([^()]*…[^()]*\)", "(…)", text)
    return re.sub(r"\d+(\.\d+)?", "N", text)[:150]


def filled_in(text: str) -> list[Problem]:
    """What is left once every ``"?"`` of an imported model's text is filled in."""
    data, problems = parse_yaml_data(text)
    if data is None:
        return problems
    for resource in (data.get("resources") or {}).values():
        if resource.get("rate_per_hour") == "?":
            resource["rate_per_hour"] = 60
    for activity in (data.get("activities") or {}).values():
        for key in ("labor", "uses"):
            part = activity.get(key) or {}
            part.update({name: 1 for name, value in part.items() if value == "?"})
        if activity.get("wait") == "?":
            activity["wait"] = 1
    splits: dict[str, list[list]] = defaultdict(list)
    for flow in data.get("flows") or []:
        if isinstance(flow, list) and len(flow) == 3:
            splits[flow[0]].append(flow)
    for flows in splits.values():
        open_ = [f for f in flows if f[2] == "?"]
        known = sum(f[2] for f in flows if isinstance(f[2], int | float))
        for flow in open_:
            flow[2] = max(0.0, 1 - known) / len(open_)
    model, found = model_from_data(data)
    if model is None:
        return found
    try:
        cost_model(model)
    except Exception as error:  # what a user would meet on the next step: named, counted
        found.append(Problem(f"costing: {type(error).__name__}: {error}"))
    return found


def outcome(path: Path) -> tuple[str, list[str], int]:
    """(kind, reasons, pools) for one file: imported, imported with problems or refused."""
    results = wf.import_bpmn_pools(path, source_name=path.name)
    problems = [p for result in results for p in result.problems]
    if not any(result.text for result in results):
        found = [reason(p.message) for p in problems if p.severity == "error"]
        return "refused", sorted(set(found or ["(no error named)"])), 0
    # The import's own problems; the text's are judged once its placeholders are filled in.
    own = [p for result in results if result.text for p in result.problems
           if p.file != wf.model_text_label(path.name)]
    after = [p for result in results if result.text for p in filled_in(result.text)]
    # A pool refused while others import is a problem of the file.
    after += [p for result in results if not result.text for p in result.problems
              if p.severity == "error"]
    other = sorted({reason(p.message) for p in own + after
                    if not _PLACEHOLDER.search(p.message)})
    pools = sum(1 for result in results if result.text)
    return ("imported with problems" if other else "imported"), other, pools


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=0, metavar="N",
                        help="name N files for each reason")
    args = parser.parse_args(argv)
    files = sorted(args.folder.rglob("*.bpmn"))
    if not files:
        print(f"no .bpmn files under {args.folder}", file=sys.stderr)
        return 2
    print(machine())
    print(f"load average: {load_average()}")
    kinds: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    seconds: list[tuple[float, str]] = []
    pools = 0
    started = time.perf_counter()
    for path in files:
        t0 = time.perf_counter()
        kind, found, count = outcome(path)
        seconds.append((time.perf_counter() - t0, str(path.relative_to(args.folder))))
        kinds[kind] += 1
        pools += count
        for text in found:
            reasons[kind][text] += 1
            examples[kind, text].append(str(path.relative_to(args.folder)))
    total = time.perf_counter() - started
    print(f"\n{len(files)} files under {args.folder}; {pools} pools imported as models")
    for kind in ("imported", "imported with problems", "refused"):
        print(f"  {kind:24} {kinds[kind]:5}  ({kinds[kind] / len(files):.1%})")
        for text, count in reasons[kind].most_common():
            print(f"      {count:5}  {text}")
            for name in examples[kind, text][:args.files]:
                print(f"               {name}")
    seconds.sort()
    print(f"\ntime: {total:.1f} s in all, median {seconds[len(seconds) // 2][0] * 1000:.1f} ms "
          f"per file, slowest {seconds[-1][0] * 1000:.0f} ms ({seconds[-1][1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

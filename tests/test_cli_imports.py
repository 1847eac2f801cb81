"""Each command of ``abc-costing`` imports only what it needs (issue 16, "start-up").

Importing pandas, SciPy, networkx, pydantic, plotly or the exporters costs
seconds of CPU before a command does anything: ``--help`` took 2.9 s of CPU
when the CLI imported them all. Each test runs one command in a fresh
interpreter, takes the names in ``sys.modules`` when it ends, and checks the
heavy packages that command never uses are absent; a package the command does
use is checked present, so a probe that saw nothing could not pass. The
timings live in ``bench/bench_startup.py``, not here: a loaded machine would
make a timed test flaky.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "process_models" / "contract_approval" / "as_is.yaml"
CATALOGUE = ROOT / "process_models" / "resources.yaml"
LOG = ROOT / "tests" / "data" / "logs" / "contracts.csv"
RATES = ROOT / "tests" / "data" / "logs" / "rates.csv"

#: The command line in a fresh interpreter: argv[1] is where the loaded modules are
#: written, the rest is the command. argparse leaves --help and --version by SystemExit.
PROBE = """
import json, sys
from abc_costing.cli import main
try:
    status = main(sys.argv[2:])
except SystemExit as leaving:
    status = leaving.code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"status": status, "modules": sorted(sys.modules)}, out)
"""

#: Packages no command needs to start, print help, or read and check one small file.
EXPORTERS = ("plotly", "openpyxl", "xlsxwriter", "reportlab", "streamlit")
TABLES = ("pandas", "scipy")
RECORDS = ("pydantic", "networkx")


def _loaded(tmp_path: Path, *command: str) -> tuple[int, set[str]]:
    """The exit status of ``abc-costing COMMAND`` and the top-level packages it imported
    (``abc_costing`` submodules by their full names)."""
    written = tmp_path / "modules.json"
    # The environment as the tests see it, given explicitly: a library in this process
    # (readline) may set COLUMNS=80 in the C environment a child would inherit, and at 80
    # columns a long line is wrapped by rich, loaded then (tests/test_cli_pipe_console.py).
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run([sys.executable, "-c", PROBE, str(written), *command], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False,
                          env=environment)
    assert written.is_file(), done.stderr
    found = json.loads(written.read_text(encoding="utf-8"))
    names = set(found["modules"])
    return found["status"], names | {name.split(".")[0] for name in names}


def _absent(loaded: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(set(packages) & loaded)


@pytest.mark.slow
@pytest.mark.parametrize("command", [["--version"], ["--help"], ["cost", "--help"],
                                     ["variants", "--help"], ["mine", "--help"]],
                         ids=" ".join)
def test_the_version_and_the_help_load_no_library_of_numbers_records_or_logs(tmp_path, command):
    status, loaded = _loaded(tmp_path, *command)
    assert status == 0
    assert "argparse" in loaded  # the probe sees imports: argparse says the help
    # argparse alone writes the help and the version: no rich console (0.04-0.05 s CPU),
    # no Babel (the currencies' digits are looked up when a figure is written)
    assert _absent(loaded, (*EXPORTERS, *TABLES, *RECORDS, "numpy", "polars", "rich",
                             "babel")) == []
    assert _absent(loaded, ("abc_costing.engine.costing", "abc_costing.advisor",
                            "abc_costing.model.records", "abc_costing.store.change_log")) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", [MODEL, CATALOGUE], ids=["model", "catalogue"])
def test_validate_reads_and_checks_without_the_engine_numpy_or_pandas(tmp_path, path):
    status, loaded = _loaded(tmp_path, "validate", str(path))
    assert status == 0  # both shipped files are valid
    assert "pydantic" in loaded  # the records check the file
    # networkx alone is 0.4 s of CPU: validation walks the model's own adjacency
    assert _absent(loaded, (*EXPORTERS, *TABLES, "numpy", "polars", "networkx")) == []
    assert _absent(loaded, ("abc_costing.engine.costing", "abc_costing.advisor",
                            "abc_costing.store.change_log")) == []
    # "FILE: valid" to a pipe is the line itself: no rich (0.04-0.07 s of CPU); RUB is
    # a currency without Babel's list; the advice's records are for `advise` only
    assert _absent(loaded, ("rich", "babel", "abc_costing.model.advice",
                            "abc_costing.store.model_files")) == []


@pytest.mark.slow
def test_variants_without_rates_loads_polars_only(tmp_path):
    status, loaded = _loaded(tmp_path, "variants", str(LOG))
    assert status == 0
    assert "polars" in loaded
    assert _absent(loaded, (*EXPORTERS, *TABLES, *RECORDS)) == []
    assert _absent(loaded, ("abc_costing.model", "abc_costing.engine.costing")) == []


@pytest.mark.slow
def test_variants_with_rates_loads_the_records_it_prices_with(tmp_path):
    # The rates table is read into records (pydantic): the other side of the test above.
    status, loaded = _loaded(tmp_path, "variants", str(LOG), "--rates", str(RATES))
    assert status == 0
    assert {"polars", "pydantic"} <= loaded
    assert _absent(loaded, (*EXPORTERS, *TABLES)) == []


@pytest.mark.slow
def test_mine_writes_its_model_without_pandas_scipy_or_the_exporters(tmp_path):
    output = tmp_path / "mined.yaml"
    status, loaded = _loaded(tmp_path, "mine", str(LOG), "--rates", str(RATES), "-o", str(output))
    assert status == 0 and output.is_file()
    assert {"polars", "pydantic"} <= loaded  # mined from the log, written as checked records
    assert _absent(loaded, (*EXPORTERS, *TABLES)) == []


@pytest.mark.slow
def test_cost_prints_its_tables_without_the_exporters_or_the_advisor(tmp_path):
    status, loaded = _loaded(tmp_path, "cost", str(MODEL))
    assert status == 0
    assert "abc_costing.engine.costing" in loaded
    # the engine and the cycle time walk the model's own adjacency, as validation does
    assert _absent(loaded, (*EXPORTERS, "abc_costing.advisor", "networkx")) == []
    # to a pipe its lines and tables are written as rich would draw them, without rich;
    # roubles have two digits without Babel (numbers.COMMON_CURRENCY_DIGITS)
    assert _absent(loaded, ("rich", "babel", "abc_costing.model.advice")) == []


@pytest.mark.slow
def test_a_portfolio_of_files_without_problems_never_loads_pyyaml(tmp_path):
    # PyYAML only finds the lines of problems (yaml_rs reads the files): a library whose
    # files have none never imports it. (A catalogue still does, to know its pools' lines.)
    library = tmp_path / "library"
    for process in ("p1", "p2"):
        (library / process).mkdir(parents=True)
        (library / process / "as_is.yaml").write_text(
            "format: abc-costing/1\nprocess: " + process + "\nvariant: as_is\n"
            "resources: {clerk: {kind: labor, rate_per_hour: 600}}\n"
            "activities: {a: {labor: {clerk: 10}}}\n"
            "events: {s: {kind: start}, e: {kind: end}}\nflows: [[s, a], [a, e]]\n", "utf-8")
    status, loaded = _loaded(tmp_path, "portfolio", str(library))
    assert status == 0
    assert "yaml_rs" in loaded  # the probe sees the reader that read them
    assert _absent(loaded, ("yaml", "rich")) == []

"""Kill a saving process at random instants and look at the library afterwards.

Used by ``tests/test_kill_during_save.py`` (30 kills) and
``bench/bench_kill_during_save.py`` (100 kills, counts printed). A child
process (``os.fork``: everything is already imported, so it starts saving at
once) saves edits in a loop, alternating between two model files; each save
raises the file's ``other_cost`` by one. The parent sleeps a random time,
sends ``SIGKILL``, looks at what the child left (read-only), then lets the
library recover and checks it.

``naive=True`` saves the way the Import page did before the write path
existed (write the file, then append to the log), to show what a kill does
without a journal; each kill's damage is counted, then the files are logged
as found so that the next kill starts clean.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from abc_costing.access import local_user
from abc_costing.formats import read_model
from abc_costing.store.change_log import ChangeEntry, ChangeLog
from abc_costing.store.edits import Edit
from abc_costing.store.library import PENDING_SUFFIX, ModelLibrary
from abc_costing.store.model_files import file_sha256, save_model_text
from abc_costing.store.saving import save_model_edits

__all__ = ["KillTrials", "run_kill_trials", "NAMES"]

NAMES = ("p/a.yaml", "q/b.yaml")
COST = re.compile(r"other_cost: (\d+)")
MODEL = """\
format: abc-costing/1
process: {process}
variant: {variant}
currency: RUB
resources:
  clerk: {{kind: labor, rate_per_hour: 600}}  # бухгалтер
activities:
  a: {{name: "Проверка", labor: {{clerk: 10}}, other_cost: 0}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, a], [a, e]]
"""


@dataclass
class KillTrials:
    """What the kills left.

    Attributes:
      trials: kills sent.
      saves_logged: saves in the log at the end (entries with a digest).
      killed_mid_save: kills that left a journal (a save between its journal and its end).
      rolled_forward: interrupted saves that recovery completed (they were logged).
      discarded: interrupted saves that recovery dropped (they were not logged).
      unlogged_before_recovery: files that held a state the log did not have (a change
        in the file that is not in the log) right after a kill, before any recovery.
      logged_not_written_before_recovery: kills after which the log was one save ahead
        of a file (the rename had not happened yet), before recovery.
      unlogged_after_recovery: the same as ``unlogged_before_recovery`` after recovery
        (must be 0).
      invalid_files: kills after which a file was not a valid model (half-written; must be 0).
      leftovers: pending or journal files found after recovery (must be 0).
      order_faults: files whose logged values were not 1, 2, 3, ... in order, or whose
        value is not its number of saves (must be 0).
      problems: one line per fault found, for the failure message.
    """

    trials: int = 0
    saves_logged: int = 0
    killed_mid_save: int = 0
    rolled_forward: int = 0
    discarded: int = 0
    unlogged_before_recovery: int = 0
    logged_not_written_before_recovery: int = 0
    unlogged_after_recovery: int = 0
    invalid_files: int = 0
    leftovers: int = 0
    order_faults: int = 0
    problems: list[str] = field(default_factory=list)


def make_library(folder: Path) -> tuple[Path, Path]:
    """Two model files in ``folder/models``; the log at ``folder/log/change_log.sqlite``."""
    directory = folder / "models"
    for name in NAMES:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODEL.format(process=path.parent.name, variant=path.stem),
                        encoding="utf-8")
    return directory, folder / "log" / "change_log.sqlite"


def _save_forever(directory: Path, log_path: Path, *, naive: bool) -> None:
    library = ModelLibrary(directory, change_log=log_path)
    log = ChangeLog(log_path)
    user = local_user("kill-test")
    turn = 0
    while True:
        name = NAMES[turn % len(NAMES)]
        turn += 1
        path = directory / name
        data = path.read_bytes()
        text = data.decode("utf-8")
        value = int(COST.search(text).group(1))
        edit = Edit(("activities", "a", "other_cost"), "a", "other_cost", value, value + 1)
        digest = hashlib.sha256(data).hexdigest()
        if naive:
            new_text = COST.sub(f"other_cost: {value + 1}", text)
            after = save_model_text(path, new_text, expected_sha256=digest)
            log.append([ChangeEntry(user.id, name, "a", "other_cost", str(value),
                                    str(value + 1))], file_sha256_after=after)
        else:
            save_model_edits(path, loaded_text=text, loaded_sha256=digest, edits=[edit],
                             user=user, library=library)


def _kill_one(directory: Path, log_path: Path, delay_s: float, *, naive: bool) -> None:
    pid = os.fork()
    if pid == 0:  # the child: save until killed
        try:
            _save_forever(directory, log_path, naive=naive)
        finally:
            os._exit(1)
    time.sleep(delay_s)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _states(directory: Path, log_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Each file's digest on disk and its last logged digest (read-only)."""
    on_disk = {name: file_sha256(directory / name) for name in NAMES}
    if not log_path.exists():
        return on_disk, {}
    logged = {n: d for n, (_, d) in ChangeLog(log_path, create=False).last_file_digests().items()}
    return on_disk, logged


def _resync(directory: Path, log_path: Path, on_disk: dict[str, str],
            logged: dict[str, str]) -> None:
    log = ChangeLog(log_path)
    for name in NAMES:
        if on_disk[name] != logged.get(name, on_disk[name]):
            log.append([ChangeEntry("resync", name, "(file)", "(file)", None, "as found")],
                       file_sha256_after=on_disk[name])


def _check_files(directory: Path, log_path: Path, trials: KillTrials, trial: int) -> None:
    log = ChangeLog(log_path, create=False) if log_path.exists() else None
    entries = log.entries() if log is not None else []
    for name in NAMES:
        path = directory / name
        model, _ = read_model(path)
        if model is None:
            trials.invalid_files += 1
            trials.problems.append(f"kill {trial}: {name} is not a valid model")
            continue
        mine = [e for e in entries if e.file == name]
        values = [e.new_value for e in mine]
        if values != [str(n) for n in range(1, len(mine) + 1)] or (
                model.activities["a"].other_cost != len(mine)):
            trials.order_faults += 1
            trials.problems.append(f"kill {trial}: {name} holds {model.activities['a'].other_cost}"
                                   f" after {len(mine)} logged saves {values[-3:]}")


def run_kill_trials(folder: Path, *, trials: int, seed: int, max_delay_s: float = 0.3,
                    naive: bool = False) -> KillTrials:
    """Kill a saving child ``trials`` times at random instants; recover and check after each."""
    directory, log_path = make_library(folder)
    journal = log_path.with_name(log_path.name + ".journal")
    library = ModelLibrary(directory, change_log=log_path)
    rng = random.Random(seed)
    result = KillTrials()
    for trial in range(1, trials + 1):
        _kill_one(directory, log_path, rng.uniform(0.0, max_delay_s), naive=naive)
        result.trials += 1
        result.killed_mid_save += journal.exists()
        on_disk, logged = _states(directory, log_path)
        pending = {name: directory / Path(name).with_name(f".{Path(name).name}{PENDING_SUFFIX}")
                   for name in NAMES}
        for name in NAMES:
            if on_disk[name] == logged.get(name, on_disk[name]):
                continue
            if pending[name].exists() and file_sha256(pending[name]) == logged.get(name):
                result.logged_not_written_before_recovery += 1
            else:
                result.unlogged_before_recovery += 1
        if naive:
            result.invalid_files += sum(read_model(directory / n)[0] is None for n in NAMES)
            # No recovery exists for this path: count this kill's damage, then log the files
            # as they are, so the next kill starts from a clean state.
            _resync(directory, log_path, on_disk, logged)
        else:
            recovered = library.verify().recovered or ""
            result.rolled_forward += recovered.startswith("completed")
            result.discarded += recovered.startswith("discarded")
        on_disk, logged = _states(directory, log_path)
        faults = [n for n in NAMES if on_disk[n] != logged.get(n, on_disk[n])]
        result.unlogged_after_recovery += len(faults)
        result.problems += [f"kill {trial}: {n} differs from its last logged digest"
                            for n in faults]
        left = [p for p in directory.rglob(f"*{PENDING_SUFFIX}")] + [
            p for p in (journal, journal.with_name(journal.name + ".tmp")) if p.exists()]
        result.leftovers += len(left)
        if not naive:
            _check_files(directory, log_path, result, trial)
    if log_path.exists():
        result.saves_logged = sum(1 for e in ChangeLog(log_path).entries()
                                  if e.file in NAMES and e.user != "resync")
    return result

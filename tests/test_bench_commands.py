"""bench/bench_commands.py: whole processes timed by CPU, sides interleaved, ratios paired
(issue 16: a benchmark must give the same verdict on a loaded machine)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_commands as bench  # noqa: E402  (bench/ is not a package)

# A child that burns about 0.4 s of CPU in a loop, then exits.
_BURN = ("import time\n"
         "t = time.process_time()\n"
         "while time.process_time() - t < 0.4:\n"
         "    pass\n")


def test_a_child_s_cpu_is_counted_and_its_sleep_is_not():
    burn = bench.run_process((sys.executable, "-c", _BURN), timeout_s=120)
    sleep = bench.run_process((sys.executable, "-c", "import time; time.sleep(0.5)"),
                              timeout_s=120)
    assert burn.failure == "" and sleep.failure == ""
    # the loop's 0.4 s plus the interpreter's start (a few hundredths), never less
    assert burn.cpu_s >= 0.4
    # sleeping costs wall time, not CPU: 0.5 s of wall, well under 0.4 s of CPU
    assert sleep.wall_s >= 0.5
    assert sleep.cpu_s < 0.4


def test_a_failing_or_endless_run_is_marked_and_its_side_not_run_again(tmp_path):
    fail = bench.Side("fail", (sys.executable, "-c", "raise SystemExit(3)"))
    endless = bench.Side("endless", (sys.executable, "-c", "while True: pass"))
    ok = bench.Side("ok", (sys.executable, "-c", "pass"))
    samples = bench.interleaved([fail, endless, ok], repeats=3, timeout_s=1.0)
    assert [s.failure[:6] for s in samples["fail"]] == ["exit 3"]
    assert [s.failure for s in samples["endless"]] == ["killed after 1 s"]
    # the killed child's CPU up to the kill is counted (a spinning loop for 1 s of wall
    # gets some CPU even on a loaded machine)
    assert samples["endless"][0].cpu_s > 0
    assert [s.failure for s in samples["ok"]] == ["", "", ""]


def test_sides_run_in_turn_and_a_file_to_tidy_is_removed_before_each_run(tmp_path):
    # Each side appends its letter to one file: the order of the runs.
    order = tmp_path / "order.txt"
    written = tmp_path / "written.txt"
    append = "import sys; open(sys.argv[1], 'a').write(sys.argv[2])"
    # b refuses to run when its output is still there from its last run
    b_code = ("import sys, pathlib; p = pathlib.Path(sys.argv[3]); "
              "assert not p.exists(); p.write_text('x'); open(sys.argv[1], 'a').write('B')")
    sides = [bench.Side("a", (sys.executable, "-c", append, str(order), "A")),
             bench.Side("b", (sys.executable, "-c", b_code, str(order), "", str(written)),
                        tidy=written)]
    samples = bench.interleaved(sides, repeats=3, timeout_s=120)
    assert order.read_text() == "ABABAB"
    assert [s.failure for s in samples["b"]] == ["", "", ""]


def test_the_ratio_is_of_the_medians_and_its_spread_of_the_paired_runs():
    # ours 1, 2, 4 s; theirs 12, 30, 20 s: medians 2 and 20, ratio 20 / 2 = 10;
    # paired 12/1 = 12, 30/2 = 15, 20/4 = 5
    assert bench.ratio_spread([12.0, 30.0, 20.0], [1.0, 2.0, 4.0]) == (10.0, 5.0, 15.0)


@pytest.mark.parametrize(("ours", "theirs", "verdict"), [
    # medians 2 and 20: 10× faster meets "≥ 10×"
    ([1.0, 2.0, 4.0], [12.0, 30.0, 20.0], "PASS"),
    # medians 2 and 19: 9.5× misses it
    ([1.0, 2.0, 4.0], [12.0, 30.0, 19.0], "FAIL"),
])
def test_a_speed_up_is_judged_on_the_ratio_of_cpu_medians(ours, theirs, verdict):
    row = bench.Row("x", bench.Side("ours", ()), bench.Side("peer", ()), speedup_target=10)
    samples = {"ours": [bench.Sample(c, 100.0) for c in ours],
               # the wall time is ignored: the peer's is smaller than ours here
               "peer": [bench.Sample(c, 1.0) for c in theirs]}
    assert bench.judge(row, samples)[0] == verdict


def test_a_cpu_target_a_failed_run_and_disagreeing_results_each_fail_a_row():
    row = bench.Row("x", bench.Side("ours", ()), cpu_target_s=1.0)
    # median of 0.5, 0.9, 3.0 is 0.9 < 1
    fast = {"ours": [bench.Sample(0.5, 9.0), bench.Sample(0.9, 9.0), bench.Sample(3.0, 9.0)]}
    assert bench.judge(row, fast) == ("PASS", "", "< 1 s CPU")
    failed = {"ours": [bench.Sample(0.5, 9.0, "exit 1: boom")]}
    assert bench.judge(row, failed)[0] == "FAIL"
    row.problems.append("variant ('a',): 2 vs 3 cases")
    assert bench.judge(row, fast)[0] == "FAIL"
    # no target and nothing wrong: shown, not judged
    assert bench.judge(bench.Row("y", bench.Side("ours", ())), fast)[0] == "-"


def test_variants_agree_only_with_the_same_paths_counts_and_means():
    ours = {"variants": [
        {"activities": ["a", "b"], "case_count": 2, "mean_cycle_time_minutes": 30.0,
         "mean_labor_minutes": 10.0},
        {"activities": ["a"], "case_count": 1, "mean_cycle_time_minutes": 5.0,
         "mean_labor_minutes": 5.0}]}
    same = {"variants": [[["a"], 1, 5.0, 5.0, 1], [["a", "b"], 2, 30.0 * (1 + 1e-9), 10.0, 2]]}
    assert bench.variants_disagreements(ours, same) == []
    other_count = {"variants": [[["a"], 2, 5.0, 5.0, 2], [["a", "b"], 2, 30.0, 10.0, 2]]}
    assert bench.variants_disagreements(ours, other_count) == ["variant ('a',): 1 vs 2 cases"]
    missing = {"variants": [[["a", "b"], 2, 30.0, 10.0, 2]]}
    assert bench.variants_disagreements(ours, missing) == [
        "variants differ: 2 vs 1, 1 paths in one only"]

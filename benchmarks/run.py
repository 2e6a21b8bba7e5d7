"""Time the extension against plain Sphinx and sphinx.ext.todo, side by side.

Builds the four flavours of ``generate.py`` in turn, run after run, so that a
machine that speeds up or slows down affects them all alike, and reports
median ratios (ours/plain, ours/todo, ours/markup) rather than seconds. Each build is a
fresh ``python -m sphinx`` process with a fresh output folder; its peak memory
is the process's maximum resident set size.

    python benchmarks/run.py --count 300                  # make bench
    python benchmarks/run.py --count 300 3000 --builders dummy --no-incremental
                                                           # make bench-scale
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from generate import FLAVOURS, MARKUP, generate

WORK = Path(__file__).parent / "_work"


def build(source: Path, out: Path, builder: str, fresh: bool = True) -> tuple[float, float]:
    """One sphinx-build process: (wall seconds, peak MiB)."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-q", "-b", builder, str(source), str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors.decode()}")
    return wall, usage.ru_maxrss / 1024  # kilobytes on Linux


def rotated(run: int) -> list[str]:
    """The flavours in a different order each run."""
    shift = run % len(FLAVOURS)
    return list(FLAVOURS[shift:] + FLAVOURS[:shift])


def median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def full_builds(
    projects: dict[str, Path], builder: str, runs: int, warmup: int = 1
) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {f: {"wall": [], "mib": []} for f in FLAVOURS}
    for run in range(runs + warmup):  # the warm-up runs are not counted
        for flavour in rotated(run):
            wall, mib = build(projects[flavour], WORK / "out" / flavour / builder, builder)
            if run >= warmup:
                results[flavour]["wall"].append(wall)
                results[flavour]["mib"].append(mib)
    return results


def edit_one_action(project: Path, flavour: str) -> str:
    """Close the first open action of the first incident; return its id (ours)."""
    path = sorted((project / "incidents").glob("*.rst"))[0]
    text = path.read_text()
    marker = ":status: open" if flavour in MARKUP else ", open)."
    where = text.index(marker)
    path.write_text(text[:where] + marker.replace("open", "done") + text[where + len(marker) :])
    number = text[:where].count(".. action::")
    return f"INC-2024-0001-A{number}"


def incremental(projects: dict[str, Path], runs: int) -> dict[str, list[float]]:
    """Share of a full html build that a rebuild after one edit takes."""
    shares: dict[str, list[float]] = {f: [] for f in FLAVOURS}
    for run in range(runs):
        for flavour in rotated(run):
            source = WORK / "incremental" / flavour
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(projects[flavour], source)
            out = WORK / "out" / "incremental" / flavour
            full, _ = build(source, out, "html")
            closed = edit_one_action(source, flavour)
            shown_before = f">{closed}<" in (out / "index.html").read_text()
            again, _ = build(source, out, "html", fresh=False)
            shares[flavour].append(again / full)
            if flavour == "ours":  # the table on the index shows the edit
                assert shown_before, f"{closed} was not in the open actions"
                assert f">{closed}<" not in (out / "index.html").read_text(), closed
    return shares


def report(count: int, builder: str, results: dict[str, dict[str, list[float]]]) -> None:
    wall = {flavour: results[flavour]["wall"] for flavour in FLAVOURS}
    mib = {flavour: results[flavour]["mib"] for flavour in FLAVOURS}
    pairs = [
        ("ours", "plain"),
        ("ours", "todo"),
        ("ours", "markup"),
        ("todo", "plain"),
        ("markup", "plain"),
    ]
    print(
        f"N={count:<5} {builder:<6} "
        + "  ".join(f"{a}/{b} {median_ratio(wall[a], wall[b]):.3f}" for a, b in pairs)
        + f"  peak MiB ours/plain {median_ratio(mib['ours'], mib['plain']):.3f}"
        + "  (medians: "
        + ", ".join(f"{f} {statistics.median(wall[f]):.1f} s" for f in FLAVOURS)
        + "; peak "
        + ", ".join(f"{f} {statistics.median(mib[f]):.0f}" for f in FLAVOURS)
        + " MiB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, nargs="+", default=[300], help="incidents")
    parser.add_argument("--builders", default="dummy,html", help="comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="counted runs per flavour")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    parser.add_argument("--no-incremental", dest="incremental", action="store_false")
    args = parser.parse_args()

    import sphinx

    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, Sphinx {sphinx.__version__};"
        f" {args.runs} counted runs per flavour, alternating, after {args.warmup} warm-up(s)",
        flush=True,
    )
    for count in args.count:
        projects = generate(count, WORK / f"src-{count}")
        for builder in args.builders.split(","):
            report(count, builder, full_builds(projects, builder, args.runs, args.warmup))
        if args.incremental:
            shares = incremental(projects, max(1, args.runs // 2))
            print(
                f"N={count:<5} html   incremental rebuild after one edited action, as a share"
                " of a full build: "
                + ", ".join(f"{f} {statistics.median(shares[f]):.3f}" for f in FLAVOURS),
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Time the extension against plain Sphinx, its markup floor and its peers, side by side.

Builds the flavours of ``generate.py`` (plain, todo, markup, needs and ours, in
reST and in MyST) in turn, run after run, so that a machine that speeds up or
slows down affects them all alike, and reports median ratios (ours/plain,
ours/markup, ours/todo, ours/needs, each within one syntax, and ours in MyST
over ours in reST) rather than seconds. Each build is a fresh
``python -m sphinx`` process with a fresh output folder; its peak memory is the
process's maximum resident set size. A build that writes any warning stops the
run: every flavour must build clean, or it is not measuring what it says.

    python benchmarks/run.py --count 300                  # make bench
    python benchmarks/run.py --count 300 3000 --builders dummy --no-incremental
                                                           # make bench-scale
    python benchmarks/run.py --count 10 --runs 1 --warmup 0   # smoke test
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
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from generate import FLAVOURS, KINDS, MARKUP, ROOT, generate, is_myst, kind_of, suffix

WORK = Path(__file__).parent / "_work"
#: the two syntaxes: the suffix a flavour's name takes in each
SYNTAXES = {"reST": "", "MyST": "-myst"}
#: (numerator, denominator) kinds of each ratio column, within one syntax
PAIRS = [
    ("ours", "plain"),
    ("ours", "markup"),
    ("ours", "todo"),
    ("ours", "needs"),
    ("markup", "plain"),
    ("todo", "plain"),
    ("needs", "plain"),
]
#: the kinds with a table of open actions on the index, checked after the edit
TABLES = ("ours", "needs")

#: sphinx-build imports the extension from this checkout (see ``generate.ROOT``)
ENVIRONMENT = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}

Results = dict[str, dict[str, list[float]]]


def build(source: Path, out: Path, builder: str, fresh: bool = True) -> tuple[float, float]:
    """One sphinx-build process: (wall seconds, peak MiB); stops the run on a warning."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-q", "-b", builder, str(source), str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENVIRONMENT
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode or errors.strip():
        what = "failed" if process.returncode else "wrote warnings"
        raise SystemExit(f"{' '.join(command)} {what}:\n{errors.decode()}")
    return wall, usage.ru_maxrss / 1024  # kilobytes on Linux


def rotated(flavours: tuple[str, ...], run: int) -> list[str]:
    """The flavours in a different order each run."""
    shift = run % len(flavours)
    return list(flavours[shift:] + flavours[:shift])


def median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def full_builds(projects: dict[str, Path], builder: str, runs: int, warmup: int = 1) -> Results:
    flavours = tuple(projects)
    results: Results = {f: {"wall": [], "mib": []} for f in flavours}
    for run in range(runs + warmup):  # the warm-up runs are not counted
        for flavour in rotated(flavours, run):
            wall, mib = build(projects[flavour], WORK / "out" / flavour / builder, builder)
            if run >= warmup:
                results[flavour]["wall"].append(wall)
                results[flavour]["mib"].append(mib)
    return results


def edit_one_action(project: Path, flavour: str) -> str:
    """Close the first open action of the first incident; return the id it is shown under."""
    path = sorted((project / "incidents").glob(f"*{suffix(flavour)}"))[0]
    text = path.read_text()
    kind = kind_of(flavour)
    marker = ":status: open" if kind in (*MARKUP, "needs") else ", open)."
    where = text.index(marker)
    path.write_text(text[:where] + marker.replace("open", "done") + text[where + len(marker) :])
    opening = ":::{action}" if is_myst(flavour) else ".. action::"
    number = text[:where].count(opening)
    if kind == "needs":
        return f"INC_2024_0001_A{number}"
    return f"INC-2024-0001-A{number}"


def incremental(projects: dict[str, Path], runs: int) -> tuple[dict[str, list[float]], set[str]]:
    """Share of a full html build that a rebuild after one edit takes; stale tables."""
    flavours = tuple(projects)
    shares: dict[str, list[float]] = {f: [] for f in flavours}
    stale: set[str] = set()
    for run in range(runs):
        for flavour in rotated(flavours, run):
            source = WORK / "incremental" / flavour
            shutil.rmtree(source, ignore_errors=True)
            shutil.copytree(projects[flavour], source)
            out = WORK / "out" / "incremental" / flavour
            full, _ = build(source, out, "html")
            closed = edit_one_action(source, flavour)
            shown_before = f">{closed}<" in (out / "index.html").read_text()
            again, _ = build(source, out, "html", fresh=False)
            shares[flavour].append(again / full)
            if kind_of(flavour) in TABLES:  # the table on the index shows the edit
                assert shown_before, f"{flavour}: {closed} was not in the open actions"
                if f">{closed}<" in (out / "index.html").read_text():
                    stale.add(flavour)
    for flavour in stale:  # ours must be right; a peer's stale table is reported
        assert kind_of(flavour) != "ours", f"{flavour}: the table still shows the closed action"
    return shares, stale


def ratio(values: dict[str, list[float]], a: str, b: str) -> str:
    if a not in values or b not in values:
        return "n/a"
    return f"{median_ratio(values[a], values[b]):.3f}"


def table_header() -> str:
    columns = [f"{a}/{b}" for a, b in PAIRS] + ["peak ours/plain", "ours MyST/reST"]
    return "\n".join(
        [
            "| N | builder | syntax | " + " | ".join(columns) + " |",
            "|---|---|---|" + "---|" * len(columns),
        ]
    )


def report(count: int, builder: str, results: Results) -> list[str]:
    """The table's rows for one N and builder (a row per syntax), and the medians."""
    wall = {flavour: results[flavour]["wall"] for flavour in results}
    mib = {flavour: results[flavour]["mib"] for flavour in results}
    rows = []
    for syntax, tail in SYNTAXES.items():
        if not any(is_myst(f) == bool(tail) for f in results):
            continue
        cells = [ratio(wall, a + tail, b + tail) for a, b in PAIRS]
        cells.append(ratio(mib, "ours" + tail, "plain" + tail))
        cells.append(ratio(wall, "ours-myst", "ours") if tail else "")
        rows.append(f"| {count} | {builder} | {syntax} | " + " | ".join(cells) + " |")
    print("\n".join(rows), flush=True)
    medians = (
        f"N={count} {builder} medians: "
        + ", ".join(f"{f} {statistics.median(wall[f]):.1f} s" for f in results)
        + "; peak "
        + ", ".join(f"{f} {statistics.median(mib[f]):.0f}" for f in results)
        + " MiB"
    )
    return [*rows, medians]


def versions() -> str:
    found = []
    for name in ("sphinx", "docutils", "myst-parser", "sphinx-needs"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, nargs="+", default=[300], help="incidents")
    parser.add_argument("--builders", default="dummy,html", help="comma-separated")
    parser.add_argument(
        "--flavours",
        default=",".join(FLAVOURS),
        help=f"comma-separated, from {', '.join(FLAVOURS)}; or a kind ({', '.join(KINDS)})"
        " for both of its syntaxes",
    )
    parser.add_argument("--runs", type=int, default=5, help="counted runs per flavour")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first")
    parser.add_argument("--no-incremental", dest="incremental", action="store_false")
    args = parser.parse_args()

    chosen = set()
    for name in args.flavours.split(","):
        if name in KINDS:
            chosen |= {name, f"{name}-myst"}
        elif name in FLAVOURS:
            chosen.add(name)
        else:
            parser.error(f"unknown flavour {name!r}")
    flavours = tuple(f for f in FLAVOURS if f in chosen)

    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, {versions()};"
        f" {args.runs} counted runs per flavour, alternating, after {args.warmup} warm-up(s)",
        flush=True,
    )
    print(table_header(), flush=True)
    summary = [table_header()]
    notes = []
    for count in args.count:
        projects = generate(count, WORK / f"src-{count}", flavours)
        for builder in args.builders.split(","):
            *rows, medians = report(
                count, builder, full_builds(projects, builder, args.runs, args.warmup)
            )
            summary += rows
            notes.append(medians)
        if args.incremental:
            shares, stale = incremental(projects, max(1, args.runs // 2))
            notes.append(
                f"N={count} html incremental rebuild after one edited action, as a share"
                " of a full build: "
                + ", ".join(f"{f} {statistics.median(shares[f]):.3f}" for f in flavours)
                + "; tables right: "
                + ", ".join(
                    f"{f} {'no' if f in stale else 'yes'}" for f in flavours if kind_of(f) in TABLES
                )
            )
            print(notes[-1], flush=True)
    print("\n" + "\n".join([*summary, "", *notes]), flush=True)


if __name__ == "__main__":
    main()

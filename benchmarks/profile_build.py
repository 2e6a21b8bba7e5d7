"""Where one build's time goes: cProfile, and the garbage collector's share.

Builds one flavour of a generated knowledge base in this process, under
cProfile, and prints the functions that took the most time (cumulative) and
how long each generation of the garbage collector ran. Full (generation 2)
collections walk every live object, and Sphinx keeps every doctree it read in
memory until it writes it, so their cost grows with the project: allocating
fewer objects matters as much as running less code.

    python benchmarks/profile_build.py --count 300 --flavour ours --builder dummy
    python benchmarks/profile_build.py --flavour ours --only sphinx_postmortem
    python benchmarks/profile_build.py --builder html --flavour ours-myst
    python benchmarks/profile_build.py --count 3000 --builder html --only sphinx_postmortem

The sources are generated under benchmarks/_work/src-N when they are missing
(run.py writes the same ones). The extension is imported from this checkout.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import shutil
import sys
import time
from typing import Any

from generate import FLAVOURS, generate
from run import WORK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="incidents")
    parser.add_argument("--flavour", choices=FLAVOURS, default="ours")
    parser.add_argument("--builder", default="dummy")
    parser.add_argument("--only", default="", help="show only functions whose path has this")
    parser.add_argument("--top", type=int, default=30, help="functions to show")
    args = parser.parse_args()

    source = WORK / f"src-{args.count}" / args.flavour
    if not (source / "conf.py").is_file():
        generate(args.count, WORK / f"src-{args.count}", (args.flavour,))
    out = WORK / "profile" / args.flavour / args.builder
    shutil.rmtree(out, ignore_errors=True)

    collections: dict[int, list[float]] = {0: [], 1: [], 2: []}
    collected = {0: 0, 1: 0, 2: 0}
    started = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections[info["generation"]].append(time.perf_counter() - started[0])
            collected[info["generation"]] += info["collected"]

    from sphinx.cmd.build import build_main

    gc.callbacks.append(timed)
    profile = cProfile.Profile()
    wall = time.perf_counter()
    status = profile.runcall(build_main, ["-q", "-b", args.builder, str(source), str(out)])
    wall = time.perf_counter() - wall
    gc.callbacks.remove(timed)
    if status:
        sys.exit(f"sphinx-build -b {args.builder} {source} failed ({status})")

    stats = pstats.Stats(profile).sort_stats("cumulative")
    stats.print_stats(*([args.only] if args.only else []), args.top)
    print(f"{args.flavour}, N={args.count}, -b {args.builder}: {wall:.1f} s under cProfile")
    for generation, times in collections.items():
        print(
            f"  gc generation {generation}: {len(times)} collections, {sum(times):.2f} s,"
            f" {collected[generation]} objects freed"
            + (f", longest {max(times):.2f} s" if times else "")
        )
    print(f"  objects tracked at the end: {len(gc.get_objects())}")


if __name__ == "__main__":
    main()

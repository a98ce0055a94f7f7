"""Summarise a py-spy raw profile (collapsed stacks): where the time goes.

    py-spy record --pid <gunicorn master> --subprocesses --format raw -o out.raw
    .venv/bin/python bench/profile_summary.py out.raw [rows]

Prints the functions with the most samples, inclusive (on the stack) and self
(at the top of the stack), as a share of all samples.
"""

import io
import os
import pstats
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Frames name files relative to the checkout, or to its site-packages.
PREFIXES = (f"{ROOT}/.venv/lib/python3.13/site-packages/", f"{ROOT}/")


def print_cprofile(profiler, rows, orders=("cumulative", "tottime")):
    """cProfile's tables of a bench run (and its raw stats to $PROFILE_OUT, if set)."""
    if os.environ.get("PROFILE_OUT"):
        profiler.dump_stats(os.environ["PROFILE_OUT"])
    for order in orders:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(rows)
        print(out.getvalue())


def short(path):
    for prefix in PREFIXES:
        path = path.replace(prefix, "")
    return path


def summarise(path, rows=25):
    inclusive, own = Counter(), Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        count = int(count)
        frames = [frame.split(" (")[0] + " (" + short(frame.split(" (")[1].split(":")[0]) + ")"
                  if " (" in frame else frame for frame in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    out = [f"{total} samples", "", "inclusive:"]
    out += [f"  {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(rows)]
    out += ["", "self:"]
    out += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(rows)]
    return "\n".join(out)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))

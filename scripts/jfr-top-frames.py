#!/usr/bin/env python3
"""Top frames of a JFR recording's CPU samples (jdk.ExecutionSample), for
docs/measurements/engine-performance.md.

    scripts/jfr-top-frames.py RECORDING.jfr [--top N] [--thread SUBSTRING] [--package PREFIX]

Prints two tables, each frame with its share of all samples:
  self      the top (leaf) frame of each sample: where the CPU actually was;
  inclusive samples with the method anywhere on the stack (counted once per sample),
            limited to methods whose class starts with --package (default io.pqlscore).
--thread keeps samples of threads whose name contains SUBSTRING (e.g. "account-scorer").
Needs the JDK's `jfr` tool on the PATH. Stack depth is JFR's (64 frames by default), so the
inclusive share of a method called deeper than that is under-counted.
"""
import argparse
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jfr_samples import samples  # noqa: E402



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--thread", default=None)
    ap.add_argument("--package", default="io.pqlscore")
    a = ap.parse_args()
    self_count, incl_count, threads = collections.Counter(), collections.Counter(), collections.Counter()
    n = 0
    for thread, _, frames in samples(a.recording):
        if a.thread and (thread is None or a.thread not in thread):
            continue
        n += 1
        threads[re.sub(r'\s*\(\d+/\d+\)#\d+', '', thread or '?')] += 1
        self_count[frames[0]] += 1
        for f in set(frames):
            if f.startswith(a.package):
                incl_count[f] += 1
    if n == 0:
        sys.exit("no samples")
    print(f"{n} samples")
    print("\nthreads:")
    for t, c in threads.most_common(10):
        print(f"  {100.0 * c / n:5.1f}%  {t}")
    print("\nself (top frame):")
    for f, c in self_count.most_common(a.top):
        print(f"  {100.0 * c / n:5.1f}%  {f}")
    print(f"\ninclusive ({a.package}*):")
    for f, c in incl_count.most_common(a.top):
        print(f"  {100.0 * c / n:5.1f}%  {f}")


if __name__ == "__main__":
    main()

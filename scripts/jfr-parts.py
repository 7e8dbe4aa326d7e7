#!/usr/bin/env python3
"""CPU of the full job per part, from a JFR recording's CPU samples (jdk.ExecutionSample), for
docs/BENCHMARKS.md ("Where the time goes").

    scripts/jfr-parts.py RECORDING.jfr [--job SUBSTRING] [--from HH:MM:SS --to HH:MM:SS]

Each sample goes to the first part (in the order below) whose frames appear on its stack, read
from the top (the leaf) down: so a RocksDB read inside the engine counts as state, the engine's
own arithmetic as engine. Parts:
  parse    Kafka record -> ParsedRecord (EventParser, Jackson) and the router
  nfa      the patterns' Flink CEP NFAs (PatternMachines; in the earlier topology, the CEP operators)
  state    keyed state: the account stage's cache misses and write-back, the codec, RocksDB
  engine   ScoreEngine (and SignalMath, ScoreOutputs): applying records, evaluations, ticks and retention
  pass     dedupe and the rest of the account pass (AccountPass, KeptMessageIds)
  buffer   the event-time buffer and wake-ups (OrderedKeyedOperator, EventTimeQueue, TimeHeap, WakeQueue;
           in the earlier topology, the sequencer)
  identity identity resolution (SPEC 8)
  sinks    outputs: transitions to JSON and Kafka producers, dead letters
  network  Flink's record serialization and network stack (buffers, mailbox; a serializer counts for
           its caller: under keyed state it is state)
  kafka    the Kafka source's fetching and the broker (in-process)
  other    everything else (GC and compiler threads are not sampled by JFR)
--job keeps samples of threads whose name contains SUBSTRING; --from/--to keep samples whose
start time (HH:MM:SS, as JFR prints it) lies in that range: one phase of a benchmark run.
Needs the JDK's `jfr` tool on the PATH.
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jfr_samples import samples  # noqa: E402

PARTS = [
    ("nfa", ("io.pqlscore.patterns.", "org.apache.flink.cep.")),
    ("state", ("io.pqlscore.scoring.EntityCodec", "io.pqlscore.scoring.AccountOperator.entry",
               "io.pqlscore.scoring.AccountOperator.write", "io.pqlscore.scoring.AccountOperator.snapshotState",
               "io.pqlscore.scoring.AccountOperator$1", "org.rocksdb.", "org.apache.flink.state.rocksdb.",
               "org.apache.flink.runtime.state.")),
    ("engine", ("io.pqlscore.scoring.ScoreEngine", "io.pqlscore.scoring.SignalMath", "io.pqlscore.scoring.ScoreOutputs")),
    ("pass", ("io.pqlscore.scoring.",)),
    # the earlier topology's sequencer (commit 610ef53 and before) counts as the buffer too
    ("buffer", ("io.pqlscore.buffer.", "io.pqlscore.events.EventSequencer", "io.pqlscore.events.EventTimeBuckets",
                "io.pqlscore.events.SequencerOperator")),
    ("identity", ("io.pqlscore.identity.",)),
    ("parse", ("io.pqlscore.events.EventParser", "io.pqlscore.events.RecordRouter", "io.pqlscore.kafka.KafkaEventSource",
               "com.fasterxml.jackson.")),
    ("sinks", ("io.pqlscore.sinks.", "io.pqlscore.kafka.KafkaSinks", "org.apache.flink.connector.kafka.sink.",
               "org.apache.kafka.clients.producer.")),
    ("kafka", ("org.apache.kafka.", "kafka.", "org.apache.flink.connector.kafka.source.",
               "org.apache.flink.connector.base.source.")),
    ("network", ("org.apache.flink.runtime.io.", "org.apache.flink.streaming.runtime.", "org.apache.flink.api.",
                 "org.apache.flink.core.memory.", "org.apache.flink.runtime.")),
]


# Serializers and memory views work for whoever calls them: a POJO serializer under a RocksDB
# state access is state, under the record writer network. A sample whose first match is one of
# these goes to the next match further down its stack (network when there is none).
BY_CALLER = ("org.apache.flink.api.", "org.apache.flink.core.memory.")


def part(frames):
    by_caller = False
    for f in frames:
        if f.startswith(BY_CALLER):
            by_caller = True
            continue
        for name, prefixes in PARTS:
            if f.startswith(prefixes):
                return name
    return "network" if by_caller else "other"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--job", default=None)
    ap.add_argument("--from", dest="start", default=None)
    ap.add_argument("--to", dest="end", default=None)
    a = ap.parse_args()
    counts = collections.Counter()
    n = 0
    for thread, start, frames in samples(a.recording):
        if a.job and (thread is None or a.job not in thread):
            continue
        if a.start and (start is None or start < a.start):
            continue
        if a.end and (start is None or start > a.end):
            continue
        n += 1
        counts[part(frames)] += 1
    if n == 0:
        sys.exit("no samples")
    print(f"{n} samples")
    for name, c in counts.most_common():
        print(f"  {100.0 * c / n:5.1f}%  {name}")


if __name__ == "__main__":
    main()

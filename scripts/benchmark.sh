#!/usr/bin/env bash
# The benchmark of issue #6: throughput of the full job against a baseline (same run), latency in
# both delivery modes, state per user/account with checkpoint size and duration, and a bounded
# file replay, on event-generator data, with a real Kafka broker (in-process KRaft, loopback) and
# a Flink MiniCluster (RocksDB, checkpoints). Not part of `mvn verify`. Method and results:
# docs/BENCHMARKS.md.
#
#   scripts/benchmark.sh                      # full size: 100k accounts, 10M events, all phases
#   scripts/benchmark.sh --quick              # 10k accounts, 200k events: a few minutes
#   scripts/benchmark.sh --only throughput --accounts 100000 --events 1000000
#   scripts/benchmark.sh --only latency       # at half the full-job rate of the last throughput run
#   scripts/benchmark.sh --only replay --replay-events 10000000
#   scripts/benchmark.sh --help               # every option
#
# Results: target/bench/results.json (machine-readable; phases of earlier runs are kept unless run
# again or --fresh) and a summary on stdout; a log of the run in target/bench/benchmark.log.
# Scratch (Kafka log, checkpoints, RocksDB, the replay file): $PQLSCORE_BENCH_DIR, default
# ${TMPDIR:-/tmp}/bench-pqlscore, emptied at the start (the replay file is kept and reused).
# Environment: MVN_ARGS (e.g. -o for offline), BENCH_HEAP (JVM heap, default 6g), BENCH_JAVA_OPTS
# (extra JVM options, e.g. -XX:StartFlightRecording=filename=/tmp/bench-pqlscore.jfr for a profile).
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$PROJECT"
WORK=${PQLSCORE_BENCH_DIR:-${TMPDIR:-/tmp}/bench-pqlscore}
OUT=$PROJECT/target/bench
MVN=${MVN:-mvn}
read -r -a MVN_EXTRA <<< "${MVN_ARGS:-}"
HEAP=${BENCH_HEAP:-6g}
read -r -a JAVA_EXTRA <<< "${BENCH_JAVA_OPTS:-}"

for a in "$@"; do
  if [ "$a" = "--help" ] || [ "$a" = "-h" ]; then
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    echo
    break
  fi
done

mkdir -p "$WORK" "$OUT"
# keep a generated replay file (reused when the same size is asked for), drop everything else
find "$WORK" -mindepth 1 -maxdepth 1 ! -name 'replay-*.jsonl' ! -name 'replay-*.jsonl.complete' -exec rm -rf {} +
mkdir -p "$WORK/tmp"

echo "[$(date +%H:%M:%S)] building (mvn test-compile -pl benchmarks -am) ..." >&2
# every module writes the class path file in turn; benchmarks, the last, writes its own (every
# module's classes and tests, Flink and the broker)
"$MVN" -q "${MVN_EXTRA[@]}" -pl benchmarks -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/classpath" -Dmdep.includeScope=test >&2

# Flink's Java 17 module opens (the pom's flink.test.jvm.args)
OPENS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

set +e
java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC "${OPENS[@]}" "${JAVA_EXTRA[@]}" \
  -Djava.io.tmpdir="$WORK/tmp" -Dlog4j.configurationFile=log4j2-bench.properties \
  -cp "$PROJECT/benchmarks/target/test-classes:$(cat "$WORK/classpath")" \
  io.pqlscore.bench.Benchmark --work-dir "$WORK" --out "$OUT" "$@" 2> >(tee -a "$OUT/benchmark.log" >&2) \
  | tee -a "$OUT/benchmark.log"
status=${PIPESTATUS[0]}
set -e
exit "$status"

#!/usr/bin/env bash
# Soak test (issue 7): the whole job for a long time at a steady input rate, checking that heap
# after GC, state per entity and Kafka consumer lag do not grow. One JVM holds a Kafka broker,
# PostgreSQL (its own processes), the event generator paced at --rate, and the job on a local
# MiniCluster configured from flink-conf/config.yaml (RocksDB, incremental exactly-once
# checkpoints), reading Kafka and writing Kafka (exactly-once) and PostgreSQL.
#
#   scripts/soak.sh [--minutes 30] [--rate 1000] [--days 365] [--sample-seconds 60] [--warmup 0.2] [--max-growth 20]
#                   [--checkpoint-interval 30] [--parallelism 2] [--accounts N] [--no-jdbc] [--report FILE]
#
# --rate: records per second; pick a rate whose consumer lag is flat in the first minutes (4,560 on
# 2 cores; the soak's set-up costs more per record than the benchmark's, docs/measurements/soak.md,
# so 70 % of the benchmark's maximum is too much). --days: event time
# the run covers (default 365); the generator's accounts sign up evenly over it and churn, so the
# population in state is stationary once retention has passed, and the warm-up lasts at least
# until event day 120 (retention plus the longest window of the default model). Prints a table
# (one row per sample) and a verdict; exits 1 if a series grew (see
# benchmarks/src/test/java/io/pqlscore/bench/Soak.java for the checks). --report FILE appends the table as
# markdown (docs/measurements/soak.md holds the results so far). MVN_ARGS=-o builds offline;
# SOAK_HEAP (default 2g) sets the JVM's heap.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
read -r -a MVN_EXTRA <<< "${MVN_ARGS:-}"
cd "$PROJECT"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
# every module writes the class path file in turn; benchmarks, the last, writes its own
mvn -q -B "${MVN_EXTRA[@]}" -pl benchmarks -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PROJECT/benchmarks/target/soak.classpath" >&2
exec java -Xmx"${SOAK_HEAP:-2g}" -XX:+UseG1GC \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED \
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED \
  -Dshared.dir="$PROJECT/contract" -Dlog4j.configurationFile=log4j2-local.properties \
  -cp "benchmarks/target/test-classes:$(cat benchmarks/target/soak.classpath)" io.pqlscore.bench.Soak "$@"

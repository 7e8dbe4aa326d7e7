#!/usr/bin/env bash
# A real local Flink 2.2.1 session cluster for pql-scoring-job: a JobManager and TaskManagers as
# separate JVMs, built only from Flink's Maven artifacts (cluster/pom.xml) and configured from
# flink-conf/config.yaml; jobs are submitted, stopped with a savepoint and resumed with Flink's
# own CLI (org.apache.flink.client.cli.CliFrontend, i.e. `flink run` / `flink stop`).
#
#   scripts/local-cluster.sh start [--taskmanagers N] [--slots S] [--checkpoint-interval D] [--set KEY=VALUE]... [--flink-conf DIR]
#   scripts/local-cluster.sh submit [--parallelism P] [--jar JAR] -- <job args>
#   scripts/local-cluster.sh savepoint-stop [--job ID] [--drain]      # prints the savepoint path
#   scripts/local-cluster.sh resume <savepoint> [--parallelism P] [--jar JAR] [--allow-non-restored-state] -- <job args>
#   scripts/local-cluster.sh status
#   scripts/local-cluster.sh metrics [--job ID]
#   scripts/local-cluster.sh stop                                     # tears the cluster down
#   scripts/local-cluster.sh rehearse                                 # the whole upgrade/rescale rehearsal
#   scripts/local-cluster.sh chaos                                    # kill -9 a TaskManager mid-stream, check exactly-once
#
# Needs a JDK 17 and Maven (Flink's jars come from Maven Central or ~/.m2; `MVN_ARGS=-o` for
# offline). Everything goes to the work directory ($PQLSCORE_CLUSTER_DIR, default
# /tmp/pqlscore-cluster, or --work-dir DIR before the subcommand): the built job and tools jars, the cluster
# classpath (build/), the generated conf/, logs (log/), checkpoints/, savepoints/. Nothing is
# written under the repository. Progress goes to stderr; `submit`/`resume` print the job id and
# `savepoint-stop` the savepoint path on stdout, so they compose:
#   SP=$(scripts/local-cluster.sh savepoint-stop) && scripts/local-cluster.sh resume "$SP" --parallelism 4 -- ...
# See docs/OPERATIONS.md for the runbook these commands rehearse.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${PQLSCORE_CLUSTER_DIR:-${TMPDIR:-/tmp}/pqlscore-cluster}
MVN=${MVN:-mvn}
read -r -a MVN_EXTRA <<< "${MVN_ARGS:-}"
BASE_CONF=$PROJECT/flink-conf
SHARED_DIR=${PQLSCORE_SHARED_DIR:-$PROJECT/contract}
JOB_CLASS=io.pqlscore.ScoringJob
JM_MEMORY=${PQLSCORE_JM_MEMORY:-768m}
TM_MEMORY=${PQLSCORE_TM_MEMORY:-1g}

# Flink's Java 17 module opens (the env.java.opts.all of a distribution's config.yaml)
JAVA_OPENS=(--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
now_ms() { date +%s%3N; }

paths() {
  BUILD=$WORK/build
  CP_FILE=$BUILD/cluster.classpath
  TOOL_JAR=$BUILD/cluster/pql-scoring-local-cluster-0.1.0-SNAPSHOT.jar
  JOB_JAR=$BUILD/pql-scoring-job.jar
  TOOLS_JAR=$BUILD/pql-scoring-tools.jar
  CONF=$WORK/conf
  LOG=$WORK/log
  PIDS=$WORK/pids
  STATE=$WORK/state
}
paths

# ------------------------------------------------------------------ build

# newer FILE DIR_OR_FILE...: true if anything under the paths is newer than FILE (or FILE is missing)
newer() {
  local target=$1; shift
  [[ -f $target ]] || return 0
  [[ -n $(find "$@" -newer "$target" -print -quit 2>/dev/null) ]]
}

# mvn -q, its output (errors only) on stderr without colour codes
mvn_quiet() {
  local out rc=0
  out=$("$MVN" -q -B "${MVN_EXTRA[@]}" "$@" 2>&1) || rc=$?
  out=$(sed 's/\x1b\[[0-9;]*m//g' <<< "$out" | grep -v '^[[:space:]]*$' || true)
  [[ -z $out ]] || echo "$out" >&2
  return $rc
}

build_cluster() {
  if newer "$TOOL_JAR" "$PROJECT/cluster/pom.xml" "$PROJECT/cluster/src" || [[ ! -s $CP_FILE ]]; then
    say "building the cluster classpath from Flink's Maven artifacts (cluster/pom.xml) ..."
    mkdir -p "$BUILD"
    mvn_quiet -f "$PROJECT/cluster/pom.xml" -Dcluster.build.dir="$BUILD/cluster" \
      package dependency:build-classpath -Dmdep.outputFile="$CP_FILE" || die "building cluster/pom.xml failed"
  fi
  CP=$(cat "$CP_FILE")
}

# The job jar is built from the job module and the modules below it (core, and test-support,
# which core's tests use), the tools jar (the generator of the rehearsal's input) from the tools
# module too; the test classpath of the chaos driver from the job's modules with their tests.
# Each from a copy (the parent pom, every module's pom since the reactor lists them all, and the
# modules' sources), so the repository's target/ directories are left alone.
JAR_MODULES=(test-support core job tools)
SERVICE_MODULES=(test-support core job)
modules() { sed -n 's:.*<module>\(.*\)</module>.*:\1:p' "$PROJECT/pom.xml"; }
# copy_modules DEST SUBDIR MODULE...: the poms, and SUBDIR (src/main or src) of each MODULE, into DEST
copy_modules() {
  local dest=$1 sub=$2 m
  shift 2
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$PROJECT/pom.xml" "$dest/"
  for m in $(modules); do mkdir -p "$dest/$m"; cp "$PROJECT/$m/pom.xml" "$dest/$m/"; done
  for m in "$@"; do mkdir -p "$dest/$m/$sub"; cp -r "$PROJECT/$m/$sub/." "$dest/$m/$sub/"; done
}
# sources SUBDIR MODULE...: the poms and SUBDIR of each MODULE, as paths for newer()
sources() {
  local sub=$1 m
  shift
  echo "$PROJECT/pom.xml"
  for m in $(modules); do echo "$PROJECT/$m/pom.xml"; done
  for m in "$@"; do echo "$PROJECT/$m/$sub"; done
}

build_job() {
  local src
  mapfile -t src < <(sources src/main "${JAR_MODULES[@]}")
  if [[ ! -f $TOOLS_JAR ]] || newer "$JOB_JAR" "${src[@]}"; then
    say "building the job jar and the tools jar in $BUILD/job-src (a copy of the poms and the src/main of ${JAR_MODULES[*]}; the repository's target/ is left alone) ..."
    copy_modules "$BUILD/job-src" src/main "${JAR_MODULES[@]}"
    (cd "$BUILD/job-src" && mvn_quiet package -pl job,tools -am -Dmaven.test.skip=true) || die "building the job jar failed"
    cp "$(ls "$BUILD"/job-src/tools/target/pql-scoring-tools-*.jar | head -1)" "$TOOLS_JAR"
    cp "$(ls "$BUILD"/job-src/job/target/pql-scoring-job-*.jar | head -1)" "$JOB_JAR"
    say "job jar: $JOB_JAR ($(du -h "$JOB_JAR" | cut -f1)); tools jar: $TOOLS_JAR ($(du -h "$TOOLS_JAR" | cut -f1))"
  fi
}

tool() { java -cp "$CP:$TOOL_JAR" io.pqlscore.cluster.ClusterTool "$@"; }

# The test classpath (EmbeddedKafka, EmbeddedPostgres, the chaos driver), compiled from a copy of
# the job's modules with their tests, like the job jar: the repository's target/ is left alone.
build_services() {
  SERVICES_SRC=$BUILD/services-src
  SERVICES_CP_FILE=$BUILD/services.classpath
  local src
  mapfile -t src < <(sources src "${SERVICE_MODULES[@]}")
  if newer "$SERVICES_CP_FILE" "${src[@]}"; then
    say "compiling the test sources in $SERVICES_SRC (Kafka broker, PostgreSQL, chaos driver) ..."
    copy_modules "$SERVICES_SRC" src "${SERVICE_MODULES[@]}"
    # every module writes the file in turn; the job module, the last, writes its class path
    (cd "$SERVICES_SRC" && mvn_quiet test-compile dependency:build-classpath -pl job -am -Dmdep.includeScope=test \
      -Dmdep.outputFile="$SERVICES_CP_FILE.tmp") || die "compiling the test sources failed"
    mv "$SERVICES_CP_FILE.tmp" "$SERVICES_CP_FILE"
  fi
  SERVICES_CP="$SERVICES_SRC/job/target/test-classes:$SERVICES_SRC/job/target/classes:$(cat "$SERVICES_CP_FILE")"
}

# the chaos driver (job/src/test/java/io/pqlscore/kafka/ChaosDriver.java) in a JVM of its own
driver() {
  java -Xmx1g "${JAVA_OPENS[@]}" -Dshared.dir="$SHARED_DIR" -Dlog4j.configurationFile=log4j2-test.properties \
    -cp "$SERVICES_CP" io.pqlscore.kafka.ChaosDriver "$@"
}

# ------------------------------------------------------------------ processes

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# pid of a JVM we started, if it is still alive (and still ours: its command line names our work dir)
live_pid() {
  local f=$PIDS/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(cat "$f")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$WORK/" || return 1
  echo "$pid"
}

cluster_names() { ls "$PIDS" 2>/dev/null | sed -n 's/\.pid$//p' | sort -r; }  # taskmanagers first
cluster_running() { local n; for n in $(cluster_names); do live_pid "$n" >/dev/null && return 0; done; return 1; }

rest_url() {
  [[ -f $STATE/rest-url ]] || die "no cluster started from $WORK (run: $0 start)"
  cat "$STATE/rest-url"
}

# launch NAME MAIN_CLASS RESOURCE_COMMAND [dynamic properties...]
launch() {
  local name=$1 main=$2 resources=$3; shift 3
  local out jvm dyn
  # the memory a distribution's launch scripts compute: JVM flags (-Xmx, -XX:MaxDirectMemorySize, ...)
  # and the resolved memory settings, from Flink's own BashJavaUtils
  out=$(java -cp "$CP" org.apache.flink.runtime.util.bash.BashJavaUtils "$resources" --configDir "$CONF" "$@" 2>&1 \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p') || true
  jvm=$(sed -n 1p <<< "$out"); dyn=$(sed -n 2p <<< "$out")
  [[ -n $jvm ]] || die "could not compute the memory of $name from $CONF/config.yaml"
  # shellcheck disable=SC2086
  mkdir -p "$WORK/plugins"
  FLINK_PLUGINS_DIR=$WORK/plugins nohup java $jvm "${JAVA_OPENS[@]}" -Dlog.file="$LOG/$name.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j.properties" -cp "$CP" "$main" \
    --configDir "$CONF" $dyn "$@" > "$LOG/$name.out" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
  say "started $name (pid $!, ${jvm%% -XX*}): log $LOG/$name.log"
}

kill_jvm() {
  local name=$1 pid i
  pid=$(live_pid "$name") || { rm -f "$PIDS/$name.pid"; return 0; }
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop in 30 s: killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDS/$name.pid"
  say "stopped $name (pid $pid)"
}

show_log_tail() {
  local name=$1
  say "last lines of $LOG/$name.out and $LOG/$name.log:"
  tail -n 5 "$LOG/$name.out" >&2 2>/dev/null || true
  grep -E 'ERROR|Exception' "$LOG/$name.log" 2>/dev/null | tail -n 10 >&2 || true
}

# ------------------------------------------------------------------ Flink CLI

flink_cli() {
  mkdir -p "$WORK/lib" "$WORK/plugins"
  FLINK_CONF_DIR=$CONF FLINK_LIB_DIR=$WORK/lib FLINK_PLUGINS_DIR=$WORK/plugins \
    java -Xmx512m "${JAVA_OPENS[@]}" -Dlog.file="$LOG/flink-cli.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j-cli.properties" \
    -cp "$CP" org.apache.flink.client.cli.CliFrontend "$@"
}

# ------------------------------------------------------------------ commands

cmd_start() {
  local tms=1 slots="" interval="" sets=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --taskmanagers) tms=$2; shift 2 ;;
      --slots) slots=$2; shift 2 ;;
      --checkpoint-interval) interval=$2; shift 2 ;;
      --flink-conf) BASE_CONF=$(cd "$2" && pwd); shift 2 ;;
      --set) sets+=("$2"); shift 2 ;;
      *) die "start: unknown option $1" ;;
    esac
  done
  [[ $tms =~ ^[1-9][0-9]*$ ]] || die "--taskmanagers needs a positive number"
  if cluster_running; then die "a cluster from $WORK is already running (status: $0 status; stop it: $0 stop)"; fi
  [[ -f $BASE_CONF/config.yaml ]] || die "no config.yaml in $BASE_CONF"
  build_cluster
  build_job
  rm -rf "$CONF" "$LOG" "$PIDS" "$STATE" "$WORK/tmp"
  mkdir -p "$CONF" "$LOG" "$PIDS" "$STATE" "$WORK/tmp" "$WORK/checkpoints" "$WORK/savepoints"

  local rest rpc
  rest=$(free_port 8081)
  rpc=$(free_port 6123)
  [[ $rpc != "$rest" ]] || rpc=$(free_port $((rest + 1)))
  # flink-conf/config.yaml, with what a cluster on this machine must change: addresses and ports,
  # memory, durable-looking directories under the work dir, the Prometheus reporter, and
  # --checkpoint-interval/--set overrides. Flink's own BashJavaUtils applies them (as the
  # official Docker image's entrypoint does) and writes the flattened YAML.
  local d=(
    -D "jobmanager.rpc.address=localhost" -D "jobmanager.rpc.port=$rpc" -D "jobmanager.bind-host=localhost"
    -D "taskmanager.host=localhost" -D "taskmanager.bind-host=localhost"
    -D "rest.address=localhost" -D "rest.bind-address=localhost" -D "rest.port=$rest" -D "rest.bind-port=$rest"
    -D "jobmanager.memory.process.size=$JM_MEMORY"
    -D "taskmanager.memory.process.size=$TM_MEMORY"
    -D "taskmanager.memory.managed.fraction=0.25"
    -D "taskmanager.memory.jvm-overhead.min=128m"
    -D "execution.checkpointing.dir=file://$WORK/checkpoints"
    -D "execution.checkpointing.savepoint-dir=file://$WORK/savepoints"
    -D "io.tmp.dirs=$WORK/tmp"
    -D "blob.storage.directory=$WORK/tmp/blobs"
    -D "web.tmpdir=$WORK/tmp/web"
    -D "metrics.reporters=prom"
    -D "metrics.reporter.prom.factory.class=org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
    -D "metrics.reporter.prom.port=9250-9269"
    -D "metrics.fetcher.update-interval=2 s"
  )
  [[ -n $slots ]] && d+=(-D "taskmanager.numberOfTaskSlots=$slots")
  if [[ -n $interval ]]; then
    d+=(-D "execution.checkpointing.interval=$interval" -D "execution.checkpointing.min-pause=1 s")
  fi
  local s
  for s in "${sets[@]}"; do d+=(-D "$s"); done
  local generated
  generated=$(java -cp "$CP" org.apache.flink.runtime.util.bash.BashJavaUtils UPDATE_AND_GET_FLINK_CONFIGURATION \
    --configDir "$BASE_CONF" -flatten "${d[@]}" 2>&1) || { echo "$generated" >&2; die "generating the configuration failed"; }
  {
    echo "# Generated by scripts/local-cluster.sh from $BASE_CONF/config.yaml"
    echo "# with the local cluster's overrides (ports, memory, directories under $WORK). Do not edit."
    sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' <<< "$generated" | sort
  } > "$CONF/config.yaml"
  cp "$PROJECT/cluster/conf/log4j.properties" "$PROJECT/cluster/conf/log4j-cli.properties" "$CONF/"
  echo "http://localhost:$rest" > "$STATE/rest-url"
  say "configuration: $CONF/config.yaml (from $BASE_CONF/config.yaml; REST port $rest, RPC port $rpc)"

  launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
  local i
  for ((i = 1; i <= tms; i++)); do
    launch "taskmanager-$i" org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS \
      -D "taskmanager.resource-id=taskmanager-$i"
  done
  if ! tool wait-cluster "$(rest_url)" "$tms" 120 >&2; then
    for s in $(cluster_names); do live_pid "$s" >/dev/null || show_log_tail "$s"; done
    die "the cluster did not come up (logs in $LOG)"
  fi
  say "web UI: $(rest_url)   logs: $LOG   checkpoints: $WORK/checkpoints   savepoints: $WORK/savepoints"
}

# run_job RECORD_STATE [--parallelism P] [--jar JAR] [--savepoint SP] [--allow-non-restored-state] [--attached] -- ARGS
run_job() {
  local record=$1; shift
  local p="" jar="" sp="" anrs="" detached=-d
  while [[ $# -gt 0 ]]; do
    case $1 in
      --parallelism|-p) p=$2; shift 2 ;;
      --jar) jar=$2; shift 2 ;;
      --savepoint) sp=$2; shift 2 ;;
      --allow-non-restored-state|-n) anrs=1; shift ;;
      --attached) detached=""; shift ;;
      --) shift; break ;;
      *) die "unknown option $1 (job arguments go after --)" ;;
    esac
  done
  cluster_running || die "no cluster running from $WORK (run: $0 start)"
  build_cluster
  if [[ -z $jar ]]; then build_job; jar=$JOB_JAR; fi
  [[ -f $jar ]] || die "no job jar $jar"
  local cli=(run $detached -c "$JOB_CLASS")
  [[ -n $p ]] && cli+=(-p "$p")
  [[ -n $sp ]] && cli+=(-s "$sp")
  [[ -n $anrs ]] && cli+=(-n)
  say "flink ${cli[*]} $(basename "$jar") $*"
  local out rc=0
  out=$(flink_cli "${cli[@]}" "$jar" "$@" 2>&1) || rc=$?
  sed 's/^/    | /' <<< "$out" >&2
  [[ $rc -eq 0 ]] || die "the Flink CLI failed (exit $rc; its log: $LOG/flink-cli.log)"
  local job
  job=$(grep -oE 'JobID [0-9a-f]{32}' <<< "$out" | head -1 | cut -d' ' -f2) || true
  [[ -n $job ]] || die "no job id in the CLI's output"
  [[ $record == record ]] && echo "$job" > "$STATE/job-id"
  if [[ -n $detached ]]; then
    tool wait-running "$(rest_url)" "$job" 120 >&2 || die "job $job did not start (logs in $LOG)"
  fi
  echo "$job"
}

cmd_submit() { run_job record "$@"; }

cmd_resume() {
  [[ $# -ge 1 && $1 != -* ]] || die "resume: which savepoint? ($0 resume <savepoint> [--parallelism P] -- <job args>)"
  local sp=$1; shift
  run_job record --savepoint "$sp" "$@"
}

current_job() {
  local job="" rest
  rest=$(rest_url)
  if [[ -f $STATE/job-id ]] && tool running-jobs "$rest" | grep -qx "$(cat "$STATE/job-id")"; then
    cat "$STATE/job-id"; return
  fi
  job=$(tool running-jobs "$rest")
  [[ -n $job ]] || die "no running job"
  [[ $(wc -l <<< "$job") -eq 1 ]] || die "several running jobs; pick one with --job ID: $(echo $job)"
  echo "$job"
}

cmd_savepoint_stop() {
  local job="" drain=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --job) job=$2; shift 2 ;;
      --drain) drain=1; shift ;;
      *) die "savepoint-stop: unknown option $1" ;;
    esac
  done
  build_cluster
  [[ -n $job ]] || job=$(current_job)
  local cli=(stop)
  if [[ -n $drain ]]; then
    say "--drain: the sources end and event time jumps to the end of time: every pending tick and retention"
    say "fires, every entity is forgotten. For the end of a replay only, never for an upgrade or rescale."
    cli+=(--drain)
  fi
  say "flink ${cli[*]} $job   (stop with a savepoint into $WORK/savepoints)"
  local out rc=0 sp
  out=$(flink_cli "${cli[@]}" "$job" 2>&1) || rc=$?
  sed 's/^/    | /' <<< "$out" >&2
  [[ $rc -eq 0 ]] || die "stop-with-savepoint failed (exit $rc; the job keeps running; CLI log: $LOG/flink-cli.log)"
  sp=$(sed -n 's/.*Savepoint completed\. Path: //p' <<< "$out" | tail -1)
  [[ -n $sp ]] || die "no savepoint path in the CLI's output"
  tool wait-terminal "$(rest_url)" "$job" 60 >&2 || true
  echo "$sp" > "$STATE/last-savepoint"
  echo "$sp"
}

cmd_status() {
  local n pid any=""
  for n in $(cluster_names | sort); do
    if pid=$(live_pid "$n"); then echo "$n: running (pid $pid)"; any=1; else echo "$n: not running"; fi
  done
  [[ -n $any ]] || { echo "no cluster running from $WORK"; return 0; }
  build_cluster
  tool status "$(rest_url)" || true
  local prom
  prom=$(grep -ho 'Started PrometheusReporter HTTP server on port [0-9]*' "$LOG"/*.log 2>/dev/null | grep -o '[0-9]*$' | sort -u | tr '\n' ' ')
  [[ -n $prom ]] && echo "Prometheus: http://localhost:<port>/metrics on ports $prom"
  [[ -f $STATE/last-savepoint ]] && echo "last savepoint: $(cat "$STATE/last-savepoint")"
  echo "work dir: $WORK"
}

cmd_metrics() {
  local job=""
  [[ ${1:-} == --job ]] && job=$2
  build_cluster
  [[ -n $job ]] || job=$(current_job)
  tool metrics "$(rest_url)" "$job"
}

stop_cluster() {
  local n
  for n in $(cluster_names); do kill_jvm "$n"; done
}

cmd_stop() {
  if ! cluster_running; then say "no cluster running from $WORK"; return 0; fi
  if [[ -f $CP_FILE && -f $TOOL_JAR ]]; then
    CP=$(cat "$CP_FILE")
    local running
    running=$(tool running-jobs "$(rest_url)" 2>/dev/null || true)
    [[ -z $running ]] || say "jobs still running are killed with the cluster (their latest retained checkpoint stays in $WORK/checkpoints): $(echo $running)"
  fi
  stop_cluster
  say "cluster stopped; logs, checkpoints and savepoints stay in $WORK"
}

# ------------------------------------------------------------------ rehearsal

REHEARSAL_STARTED_CLUSTER=""
rehearsal_exit() {
  local rc=$?
  if [[ -n $REHEARSAL_STARTED_CLUSTER ]]; then
    say "tearing down (trap on exit)"
    stop_cluster
  fi
  if [[ $rc -ne 0 ]]; then say "rehearsal FAILED (exit $rc); logs in $LOG"; fi
  exit "$rc"
}

# feed PART: move a part of the input into the watched directory (written aside, then renamed: the
# source never sees half a file). One file a run: a source subtask that reads two files in turn
# would find the second one's records behind the watermark of the first (late).
feed() {
  local part=$1
  rm -rf "$R/staging"; mkdir -p "$R/staging"
  cp "$R/parts/events-$part.jsonl" "$R/staging/"
  mv "$R/staging/events-$part.jsonl" "$R/input/"
  say "fed part $part ($(wc -l < "$R/parts/events-$part.jsonl") records) into the watched directory $R/input"
}

committed_now() {
  local n=0 f
  for f in "$R"/output/transitions/*; do [[ -f $f ]] && n=$((n + $(wc -l < "$f"))); done
  echo "$n"
}

cmd_rehearse() {
  [[ $# -eq 0 ]] || die "rehearse takes no options (work dir: PQLSCORE_CLUSTER_DIR or --work-dir)"
  local t0 t_ready
  t0=$(date +%s)
  if cluster_running; then die "a cluster from $WORK is already running: stop it first ($0 stop)"; fi
  trap rehearsal_exit EXIT
  trap 'exit 130' INT TERM
  R=$WORK/rehearsal
  rm -rf "$R" "$WORK/checkpoints" "$WORK/savepoints"
  mkdir -p "$R/input" "$R/parts"

  say "== 1/7 build: cluster classpath, job jar and tools jar"
  build_cluster
  build_job

  say "== 2/7 input: generated usage events, cut in three parts (one per run)"
  java -jar "$TOOLS_JAR" generate --out "$R/events.jsonl" \
    --accounts 100 --days 6 --bad-ratio 0.002 2>&1 | sed -n 's/^event generator: \([0-9,]* records.*\)/    | \1/p' >&2
  local total a b
  total=$(wc -l < "$R/events.jsonl")
  a=$((total * 2 / 5)); b=$((total * 3 / 4))
  sed -n "1,${a}p" "$R/events.jsonl" > "$R/parts/events-1.jsonl"
  sed -n "$((a + 1)),${b}p" "$R/events.jsonl" > "$R/parts/events-2.jsonl"
  sed -n "$((b + 1)),\$p" "$R/events.jsonl" > "$R/parts/events-3.jsonl"
  say "$total records in arrival order: part 1 $(wc -l < "$R/parts/events-1.jsonl"), part 2 $(wc -l < "$R/parts/events-2.jsonl"), part 3 $(wc -l < "$R/parts/events-3.jsonl")"

  say "== 3/7 cluster: a JobManager and 2 TaskManagers (2 slots each), checkpoints every 5 s"
  REHEARSAL_STARTED_CLUSTER=1
  # A watched file's watermark is emitted periodically while it is read (and its last one is lost
  # when it ends): a short interval lets small files move event time.
  cmd_start --taskmanagers 2 --slots 2 --checkpoint-interval "5 s" --set "pipeline.auto-watermark-interval=10 ms"
  t_ready=$(date +%s)
  # The part a run reads is in the directory before the run starts, so the source subtask that gets it
  # never goes idle first; the others (no file) go idle after --idle-timeout, which must be longer
  # than the time to start the job and find the file: a reader that resumes after another has moved
  # event time on can find its records late (docs/OPERATIONS.md, "Watched directories").
  local args=(--input "file://$R/input" --continuous --monitor-interval 1s --idle-timeout 10s
    --output "file://$R/output" --job-name pql-scoring-rehearsal)
  : > "$R/legs"
  local job sp1 sp2 sp3 start mid

  say "== 4/7 run 1: parallelism 2 on the watched directory with part 1, stop with a savepoint"
  start=$(now_ms)
  feed 1
  job=$(cmd_submit --parallelism 2 -- "${args[@]}")
  tool wait-records "$(rest_url)" "$job" "$(wc -l < "$R/parts/events-1.jsonl")" 120 >&2 || die "run 1 did not score its records"
  sp1=$(cmd_savepoint_stop --job "$job")
  echo "run-1_(parallelism_2) $start $(now_ms)" >> "$R/legs"
  say "savepoint 1: $sp1 (transition lines committed so far: $(committed_now); the rest is in in-progress part files, which the savepoint holds)"

  say "== 5/7 run 2: resume savepoint 1 at parallelism 4 with part 2, stop with a savepoint"
  start=$(now_ms)
  feed 2
  job=$(cmd_resume "$sp1" --parallelism 4 -- "${args[@]}")
  tool wait-records "$(rest_url)" "$job" "$(wc -l < "$R/parts/events-2.jsonl")" 120 >&2 || die "run 2 did not score its records"
  sp2=$(cmd_savepoint_stop --job "$job")
  echo "run-2_(parallelism_4) $start $(now_ms)" >> "$R/legs"
  say "savepoint 2: $sp2 (transition lines committed so far: $(committed_now))"

  say "== 6/7 run 3: resume savepoint 2 at parallelism 1 with part 3; beside it, one uninterrupted replay of all records"
  start=$(now_ms)
  feed 3
  job=$(cmd_resume "$sp2" --parallelism 1 -- "${args[@]}")
  local ref
  ref=$(run_job norecord --parallelism 2 -- --input "file://$R/events.jsonl" --output "file://$R/reference" \
    --job-name pql-scoring-reference)
  tool wait-records "$(rest_url)" "$job" "$(wc -l < "$R/parts/events-3.jsonl")" 120 >&2 || die "run 3 did not score its records"
  mid=$(now_ms)
  echo "run-3_(parallelism_1) $start $mid" >> "$R/legs"
  say "end of input: stop run 3 with --drain, so event time runs out and every output is committed, as at the end of the replay"
  sp3=$(cmd_savepoint_stop --job "$job" --drain)
  echo "run-3_end-of-input_(drain) $((mid + 1)) $(now_ms)" >> "$R/legs"
  say "final savepoint (after the drain: everything forgotten, not for resuming): $sp3"
  tool wait-terminal "$(rest_url)" "$ref" 180 >&2 || die "the reference replay $ref did not finish"
  say "reference replay $ref finished"

  say "== 7/7 checks: the committed outputs of the three runs, against the replay"
  local check_rc=0
  tool check "$R/output" "$R/reference" "$R/legs" >&2 || check_rc=$?

  say "tearing down"
  REHEARSAL_STARTED_CLUSTER=""
  stop_cluster
  local t1
  t1=$(date +%s)
  say "rehearsal took $((t1 - t0)) s ($((t1 - t_ready)) s from a running cluster to teardown); outputs in $R, logs in $LOG"
  [[ $check_rc -eq 0 ]] || die "rehearsal checks failed"
  say "rehearsal PASSED"
}

# ------------------------------------------------------------------ chaos: kill -9 a TaskManager

CHAOS_SERVICES_PID=""
CHAOS_STARTED_CLUSTER=""
chaos_exit() {
  local rc=$?
  if [[ -n $CHAOS_STARTED_CLUSTER ]]; then
    say "tearing down (trap on exit)"
    stop_cluster
  fi
  if [[ -n $CHAOS_SERVICES_PID ]] && kill -0 "$CHAOS_SERVICES_PID" 2>/dev/null; then
    kill "$CHAOS_SERVICES_PID" 2>/dev/null || true
    wait "$CHAOS_SERVICES_PID" 2>/dev/null || true
    say "stopped the Kafka broker and PostgreSQL (pid $CHAOS_SERVICES_PID)"
  fi
  if [[ $rc -ne 0 ]]; then say "chaos FAILED (exit $rc); logs in $LOG and $C"; fi
  exit "$rc"
}

# rows_now: "<rows in pql_transitions> <transitions committed to the topic>"
rows_now() { driver rows "$C" 2>/dev/null | tail -1; }

cmd_chaos() {
  [[ $# -eq 0 ]] || die "chaos takes no options (work dir: PQLSCORE_CLUSTER_DIR or --work-dir)"
  [[ -d $SHARED_DIR/conformance ]] || die "the contract is not at $SHARED_DIR (set PQLSCORE_SHARED_DIR)"
  local t0
  t0=$(date +%s)
  if cluster_running; then die "a cluster from $WORK is already running: stop it first ($0 stop)"; fi
  C=$WORK/chaos
  trap chaos_exit EXIT
  trap 'exit 130' INT TERM
  rm -rf "$C" "$WORK/checkpoints"
  mkdir -p "$C"

  say "== 1/8 build: cluster classpath, job and tools jars, test classpath (Kafka broker, PostgreSQL, driver)"
  build_cluster
  build_job
  build_services

  say "== 2/8 services: a Kafka broker (KRaft) and PostgreSQL 18 in a JVM of their own, reachable by every TaskManager"
  mkdir -p "$LOG"
  nohup java -Xmx768m -Dshared.dir="$SHARED_DIR" -Dlog4j.configurationFile=log4j2-test.properties -cp "$SERVICES_CP" \
    io.pqlscore.kafka.ChaosDriver services "$C" > "$C/services.log" 2>&1 < /dev/null &
  CHAOS_SERVICES_PID=$!
  local i
  for ((i = 0; i < 240; i++)); do
    [[ -f $C/services.properties ]] && break
    kill -0 "$CHAOS_SERVICES_PID" 2>/dev/null || { tail -20 "$C/services.log" >&2; die "the services did not start"; }
    sleep 0.5
  done
  [[ -f $C/services.properties ]] || die "the services did not start in 120 s ($C/services.log)"
  local kafka url user
  kafka=$(sed -n 's/^kafka=//p' "$C/services.properties" | sed 's/\\:/:/g')
  url=$(sed -n 's/^jdbc.url=//p' "$C/services.properties" | sed 's/\\:/:/g; s/\\=/=/g')
  user=$(sed -n 's/^jdbc.user=//p' "$C/services.properties")
  say "Kafka at $kafka (topics usage-events x4, pql-transitions x4, pql-dead-letters), PostgreSQL at $url (schema applied)"

  say "== 3/8 cluster: a JobManager and 2 TaskManagers (2 slots each), checkpoints every 2 s, the restart strategy of flink-conf/config.yaml"
  CHAOS_STARTED_CLUSTER=1
  cmd_start --taskmanagers 2 --slots 2 --checkpoint-interval "2 s" --set "heartbeat.interval=2 s" --set "heartbeat.timeout=10 s"
  local rest
  rest=$(rest_url)

  say "== 4/8 job: conformance case 11-generated from Kafka (4 partitions); Kafka out (exactly-once) and PostgreSQL; parallelism 4, on both TaskManagers"
  local job
  job=$(cmd_submit --parallelism 4 -- --model "$SHARED_DIR/model-format.yaml" \
    --kafka-bootstrap-servers "$kafka" --kafka-topics usage-events --kafka-group-id chaos --kafka-starting-offsets earliest \
    --transitions-topic pql-transitions --dead-letters-topic pql-dead-letters --transactional-id-prefix chaos \
    --jdbc-url "$url" --jdbc-user "$user" --jdbc-password-file "$C/db-password" --jdbc-flush-interval 500ms \
    --idle-timeout 1h --job-name pql-scoring-chaos)
  driver produce "$C" 0 1100 >&2
  local r cp deadline=$((SECONDS + 180))
  while ((SECONDS < deadline)); do
    r=$(rows_now); cp=$(tool latest-checkpoint "$rest" "$job")
    [[ ${r%% *} -gt 0 && ${r##* } -gt 0 && $cp -gt 0 ]] && break
    sleep 1
  done
  [[ ${r%% *} -gt 0 && ${r##* } -gt 0 ]] || die "part 1 produced no committed transitions in 180 s"
  say "part 1 (1,100 records) scored: ${r%% *} rows in pql_transitions, ${r##* } transitions committed, checkpoint $cp"

  say "== 5/8 mid-stream: part 2 written at 100 records/s; kill -9 taskmanager-1 while the job reads it"
  driver produce "$C" 1100 2600 100 > "$C/produce-2.log" 2>&1 &
  local producer=$!
  sleep 5
  local victim before
  victim=$(live_pid taskmanager-1) || die "taskmanager-1 is not running"
  r=$(rows_now)
  before=$(tool latest-checkpoint "$rest" "$job")
  kill -9 "$victim"
  rm -f "$PIDS/taskmanager-1.pid"
  local killed_at
  killed_at=$(date +%s)
  say "killed taskmanager-1 (kill -9 $victim) after checkpoint $before; a moment before, ${r%% *} rows were in pql_transitions and ${r##* } transitions committed"

  say "== 6/8 recovery: a replacement TaskManager; the job restores its last checkpoint (parallelism 4 needs its slots)"
  sleep 3
  launch taskmanager-3 org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS \
    -D "taskmanager.resource-id=taskmanager-3"
  tool wait-recovered "$rest" "$job" "$before" 240 >&2 || die "the job did not recover"
  say "recovered $(($(date +%s) - killed_at)) s after the kill"
  wait "$producer" || die "writing part 2 failed ($C/produce-2.log)"
  sed 's/^/    | /' "$C/produce-2.log" >&2

  say "== 7/8 the rest of the input, then one far-future record per partition (event time past every tick and retention)"
  driver produce "$C" 2600 3150 >&2
  driver end-of-input "$C" >&2

  say "== 8/8 checks: the read_committed topic and the tables against an uninterrupted run"
  local check_rc=0
  driver check "$C" 240 >&2 || check_rc=$?
  tool metrics "$rest" "$job" 2>/dev/null | grep -E 'late|events_in|rejected' | sed 's/^/    | /' >&2 || true

  say "tearing down"
  CHAOS_STARTED_CLUSTER=""
  stop_cluster
  say "chaos took $(($(date +%s) - t0)) s; logs in $LOG, driver output in $C"
  [[ $check_rc -eq 0 ]] || die "chaos checks failed"
  say "chaos PASSED"
}

# ------------------------------------------------------------------ main

if [[ ${1:-} == --work-dir ]]; then
  mkdir -p "$2"; WORK=$(cd "$2" && pwd); paths; shift 2
fi
[[ $# -ge 1 ]] || usage
command -v java >/dev/null || die "java not found (a JDK 17 is needed)"
mkdir -p "$WORK"
cmd=$1; shift
case $cmd in
  start) cmd_start "$@" ;;
  submit) cmd_submit "$@" ;;
  savepoint-stop) cmd_savepoint_stop "$@" ;;
  resume) cmd_resume "$@" ;;
  status) cmd_status "$@" ;;
  metrics) cmd_metrics "$@" ;;
  stop) cmd_stop "$@" ;;
  rehearse) cmd_rehearse "$@" ;;
  chaos) cmd_chaos "$@" ;;
  -h|--help|help) usage ;;
  *) die "unknown command $cmd (start, submit, savepoint-stop, resume, status, metrics, stop, rehearse, chaos)" ;;
esac

#!/usr/bin/env bash
# pgway's pooler beside PgBouncer and direct PostgreSQL, interleaved, with medians and ratios, and
# the memory each pooler spends per idle client. One command: builds pgway, starts a real
# PostgreSQL primary, pgway serve (its pooler alone) and PgBouncer with the same pool settings,
# runs pgbench against each in turn, holds IDLE_CLIENTS idle clients on each pooler, prints a
# table, and removes everything it made. See bench/pooler/README.md.
set -euo pipefail

ROUNDS=${ROUNDS:-3}                 # interleaved rounds; the table shows medians over them
DURATION=${DURATION:-15}            # seconds per run
CONNECT_DURATION=${CONNECT_DURATION:-$DURATION}   # seconds per -C run
# Seconds per target and workload before round 1, not counted. pgway's JIT is still moving its hot
# code to optimized tiers for 10-20 s of load on a busy 2-core machine (5 s left round 1 paying it).
WARMUP=${WARMUP:-15}
WORKLOADS=${WORKLOADS:-simple extended prepared connect tpcb}
CLIENTS=${CLIENTS:-50}
CONNECT_CLIENTS=${CONNECT_CLIENTS:-8}
THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
POOL_SIZE=${POOL_SIZE:-20}          # default_pool_size of both poolers
IDLE_CLIENTS=${IDLE_CLIENTS:-10000} # idle clients held on each pooler for the memory figure; 0: none
SETTLE=${SETTLE:-5}                 # seconds before each RSS reading of the memory part
ADDR=${BENCH_ADDR:-127.0.0.72}      # a loopback address of its own; every port below is on it
PG_PORT=5432 PGWAY_PORT=6432 PGBOUNCER_PORT=6433
OUT=${OUT:-}                        # when set, the raw results and logs are copied there
BUILD=${BUILD:-1}                   # BUILD=0 uses the Release build as it is

repo=$(cd "$(dirname "$0")/../.." && pwd)
pgway_bin=$repo/src/Pgway.Cli/bin/Release/net10.0/pgway
# shellcheck source=../lib.sh
. "$repo/bench/lib.sh"

# --- prerequisites -----------------------------------------------------------------------------

find_pg_bin
for tool in pgbench psql pgbouncer python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool not found (apt-get install postgresql-client pgbouncer python3)"
done
pgbouncer_bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[ "$BUILD" = 0 ] || command -v dotnet >/dev/null || die "the .NET 10 SDK is required to build pgway (dotnet not found)"
for w in $WORKLOADS; do
  case $w in simple | extended | prepared | connect | tpcb) ;; *) die "unknown workload '$w' (simple, extended, prepared, connect, tpcb)" ;; esac
done

need_pg_user
# PgBouncer refuses to run as root; setpriv execs it, so $! is PgBouncer's own PID.
as_pgbouncer=()
[ "$(id -u)" -ne 0 ] || as_pgbouncer=(setpriv --reuid=postgres --regid=postgres --init-groups --)

# Each pooler holds a descriptor per idle client (plus its servers), and so does the client
# program; pgway admits clients up to half its open-files limit (each may need a server
# connection too): raise the soft limit, and the hard one if this user may.
max_client_conn=20000
[ "$IDLE_CLIENTS" -lt $((max_client_conn - CLIENTS - 100)) ] || max_client_conn=$((IDLE_CLIENTS + CLIENTS + 100))
if [ "$IDLE_CLIENTS" -gt 0 ]; then
  need_fds=$((2 * IDLE_CLIENTS + 500))
  if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need_fds" ]; then
    ulimit -Hn "$need_fds" 2>/dev/null || true
  fi
  if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
    ulimit -Sn "$need_fds" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
  fi
  [ "$(ulimit -Sn)" = unlimited ] || [ "$(ulimit -Sn)" -ge "$need_fds" ] \
    || die "IDLE_CLIENTS=$IDLE_CLIENTS needs 'ulimit -n' of $need_fds or more (it is $(ulimit -Sn), hard limit $(ulimit -Hn)): raise it, or lower IDLE_CLIENTS"
fi

for port in $PG_PORT $PGWAY_PORT $PGBOUNCER_PORT; do
  port_taken "$port" && die "$ADDR:$port is already in use (choose another address with BENCH_ADDR=127.0.0.N)"
done

# --- clean-up: every process this script starts is stopped by its PID -------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/pgway-bench-pooler.XXXXXX")
chmod 755 "$work"
pgway_pid='' pgbouncer_pid='' idle_pid=''

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$idle_pid" TERM
  stop_pid "$pgbouncer_pid" TERM
  stop_pid "$pgway_pid" TERM   # background jobs of a script ignore SIGINT
  pg_stop
  if [ -n "$OUT" ] && [ -d "$work" ]; then
    mkdir -p "$OUT"
    cp -f "$work"/results.tsv "$work"/memory.tsv "$work"/pgway.log "$work"/inventory.yml "$work"/pgbouncer/pgbouncer.ini \
      "$work"/pgbouncer/pgbouncer.log "$work"/pg/postgres.log "$OUT"/ 2>/dev/null || true
    cp -rf "$work"/runs "$OUT"/ 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- pgway ------------------------------------------------------------------------------------

if [ "$BUILD" != 0 ]; then
  say "building pgway (Release)"
  dotnet build "$repo/src/Pgway.Cli" -c Release -v quiet -nologo >"$work/build.log" 2>&1 \
    || { tail -n 30 "$work/build.log" >&2; die "dotnet build failed"; }
fi
[ -x "$pgway_bin" ] || die "$pgway_bin not found (build it: dotnet build src/Pgway.Cli -c Release)"

# --- PostgreSQL -------------------------------------------------------------------------------

bench_password=$(secret)
say "PostgreSQL $pg_version primary on $ADDR:$PG_PORT (initdb, pgbench -i -s $SCALE)"
pg_start "$PG_PORT" </dev/null
psql_local -d postgres <<EOF
CREATE ROLE bench LOGIN PASSWORD '$bench_password';
CREATE DATABASE bench OWNER bench;
EOF
# Both poolers get the server's own SCRAM verifier, not the password: they check clients with it
# and log in to PostgreSQL with the ClientKey the client's proof reveals, as Pigsty deploys them.
verifier=$(psql_local -d postgres -tAc "SELECT rolpassword FROM pg_authid WHERE rolname = 'bench'")
case $verifier in SCRAM-SHA-256\$*) ;; *) die "PostgreSQL stored no SCRAM verifier for bench" ;; esac
export PGPASSWORD=$bench_password PGUSER=bench PGDATABASE=bench PGCONNECT_TIMEOUT=5
pgbench -i -q -s "$SCALE" -h "$ADDR" -p "$PG_PORT" >"$work/pg/pgbench-init.log" 2>&1 \
  || { tail -n 20 "$work/pg/pgbench-init.log" >&2; die "pgbench -i failed"; }

# --- the pool settings both poolers share, by PgBouncer's names --------------------------------

# Every setting that differs between Pigsty's rendering (pgway's defaults) and PgBouncer's own
# defaults is given, so neither pooler runs with something the other lacks.
pool_settings=(
  "auth_type=scram-sha-256"
  "default_pool_size=$POOL_SIZE"
  "min_pool_size=0"
  "reserve_pool_size=0"
  "max_client_conn=$max_client_conn"
  "max_db_connections=0"
  "max_user_connections=0"
  "server_lifetime=3600"
  "server_idle_timeout=600"
  "query_wait_timeout=120"
  "client_login_timeout=60"
  "server_reset_query=DISCARD ALL"
  "ignore_startup_parameters=extra_float_digits"
  "log_connections=0"
  "log_disconnections=0"
)

# --- pgway serve ------------------------------------------------------------------------------

{
  cat <<EOF
all:
  children:
    pg-bench:
      hosts:
        $ADDR: { pg_seq: 1, pg_role: primary }
      vars:
        pg_cluster: pg-bench
        pg_port: $PG_PORT
        pgbouncer_port: $PGWAY_PORT
        pg_default_services: []      # no service: the pooler alone
        pgbouncer_poolmode: transaction
EOF
  for setting in "${pool_settings[@]}"; do
    printf '        pgbouncer_%s: %s\n' "${setting%%=*}" "${setting#*=}"
  done
  cat <<EOF
        pg_users:
          - { name: bench, password: '$verifier', pgbouncer: true }
        pg_databases:
          - { name: bench }
EOF
} >"$work/inventory.yml"
chmod 600 "$work/inventory.yml"
"$pgway_bin" check -c "$work/inventory.yml" >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; die "pgway check rejected the inventory"; }

say "pgway serve: pooler on $ADDR:$PGWAY_PORT (no agent, no services)"
"$pgway_bin" serve -c "$work/inventory.yml" --node "$ADDR" --no-agent >"$work/pgway.log" 2>&1 &
pgway_pid=$!
wait_for_port "pgway" "$PGWAY_PORT" "$pgway_pid" "$work/pgway.log"

# --- PgBouncer --------------------------------------------------------------------------------

mkdir -p "$work/pgbouncer"
printf '"bench" "%s"\n' "$verifier" >"$work/pgbouncer/userlist.txt"
chmod 600 "$work/pgbouncer/userlist.txt"
{
  cat <<EOF
[databases]
bench = host=$ADDR port=$PG_PORT dbname=bench
; PgBouncer 1.18 keeps protocol-level prepared statements only in session mode: the prepared
; workload uses this entry, with a server for every client.
bench_session = host=$ADDR port=$PG_PORT dbname=bench pool_mode=session pool_size=$CLIENTS

[pgbouncer]
listen_addr = $ADDR
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
logfile = $work/pgbouncer/pgbouncer.log
pidfile = $work/pgbouncer/pgbouncer.pid
auth_file = $work/pgbouncer/userlist.txt
pool_mode = transaction
EOF
  for setting in "${pool_settings[@]}"; do
    printf '%s = %s\n' "${setting%%=*}" "${setting#*=}"
  done
} >"$work/pgbouncer/pgbouncer.ini"
[ ${#as_pgbouncer[@]} -eq 0 ] || chown -R postgres "$work/pgbouncer"
pgbouncer_version=$("$pgbouncer_bin" --version | awk 'NR == 1 {print $2}')

say "PgBouncer $pgbouncer_version on $ADDR:$PGBOUNCER_PORT"
"${as_pgbouncer[@]}" "$pgbouncer_bin" "$work/pgbouncer/pgbouncer.ini" >"$work/pgbouncer/stderr.log" 2>&1 &
pgbouncer_pid=$!
wait_for_port "PgBouncer" "$PGBOUNCER_PORT" "$pgbouncer_pid" "$work/pgbouncer/stderr.log"

# --- pgbench ----------------------------------------------------------------------------------

targets=(direct pgbouncer pgway)
declare -A port_of=([direct]=$PG_PORT [pgbouncer]=$PGBOUNCER_PORT [pgway]=$PGWAY_PORT)
declare -A pid_of=([direct]='' [pgbouncer]=$pgbouncer_pid [pgway]=$pgway_pid)
mkdir -p "$work/runs"
printf 'workload\ttarget\tround\ttps\tavg_ms\tp99_ms\tpooler_cpu_us_per_tx\tstatus\n' >"$work/results.tsv"

workload_args() {
  case $1 in
    simple) echo "-S -M simple -c $CLIENTS -j $THREADS" ;;        # single-row reads, Query
    extended) echo "-S -M extended -c $CLIENTS -j $THREADS" ;;    # the same, Parse/Bind/Execute/Sync
    prepared) echo "-S -M prepared -c $CLIENTS -j $THREADS" ;;    # the same, named statements prepared once
    connect) echo "-S -C -c $CONNECT_CLIENTS -j $THREADS" ;;      # a new connection per transaction
    tpcb) echo "-c $CLIENTS -j $THREADS" ;;                       # pgbench's TPC-B-like script
  esac
}
duration_of() { if [ "$1" = connect ]; then echo "$CONNECT_DURATION"; else echo "$DURATION"; fi; }

run_pgbench() {   # workload, target, round (0 = warm-up, not logged), seconds
  local workload=$1 target=$2 round=$3 seconds=$4 port=${port_of[$2]} pid=${pid_of[$2]}
  local name=$workload-$target-$round prefix=$work/runs/$workload-$target-$round.log   # pgbench adds .PID(.THREAD)
  local log_args=() status=ok before=0 after=0 pgway0 pgbouncer0 database=()
  [ "$round" -gt 0 ] && log_args=(-l "--log-prefix=$prefix")
  # PgBouncer runs the prepared workload in session mode (see pgbouncer.ini), pgway in transaction mode.
  [ "$workload" = prepared ] && [ "$target" = pgbouncer ] && database=(bench_session)
  [ -n "$pid" ] && before=$(cpu_ticks "$pid")
  pgway0=$(cpu_ticks "$pgway_pid") pgbouncer0=$(cpu_ticks "$pgbouncer_pid")
  # shellcheck disable=SC2046
  timeout --foreground -k 10 $((seconds + 60)) pgbench -n $(workload_args "$workload") -T "$seconds" "${log_args[@]}" -h "$ADDR" -p "$port" "${database[@]}" \
    >"$work/runs/$name.out" 2>&1 || status="exit $?"
  [ -n "$pid" ] && after=$(cpu_ticks "$pid")
  [ "$round" -gt 0 ] || { [ "$status" = ok ] || say "  warm-up $workload $target: pgbench $status"; return 0; }
  if [ "$target" = direct ]; then   # what each pooler spends with no traffic
    idle_ticks_pgway=$(( idle_ticks_pgway + $(cpu_ticks "$pgway_pid") - pgway0 ))
    idle_ticks_pgbouncer=$(( idle_ticks_pgbouncer + $(cpu_ticks "$pgbouncer_pid") - pgbouncer0 ))
    idle_seconds=$(( idle_seconds + seconds ))
  fi
  local out=$work/runs/$name.out
  local tps avg failed aborted p99 cpu=-
  tps=$(awk '/^tps = / {print $3; exit}' "$out")
  avg=$(awk '/^latency average = / {print $4; exit}' "$out")
  failed=$(awk '/^number of failed transactions: / {print $5; exit}' "$out")
  aborted=$(grep -c 'aborted' "$out" || true)
  [ "${failed:-0}" = 0 ] || status="$status, $failed failed"
  [ "$aborted" = 0 ] || status="$status, aborted clients"
  if [ -z "$tps" ]; then p99=nan
  elif [ "$workload" = connect ]; then p99=$(p99_ms "$prefix" connect)
  else p99=$(p99_ms "$prefix" latency); fi
  if [ -n "$pid" ] && [ -n "$tps" ]; then
    cpu=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v tps="$tps" -v s="$seconds" \
      'BEGIN {if (tps > 0) printf "%.1f", t / hz * 1e6 / (tps * s); else print "-"}')
  fi
  rm -f "$prefix".*
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$target" "$round" "${tps:-nan}" "${avg:-nan}" "$p99" "$cpu" "$status" \
    >>"$work/results.tsv"
  say "  round $round $(printf '%-8s %-9s' "$workload" "$target") tps ${tps:-?}  avg ${avg:-?} ms  p99 $p99 ms  [$status]"
}

idle_ticks_pgway=0 idle_ticks_pgbouncer=0 idle_seconds=0
per_round=0
for w in $WORKLOADS; do per_round=$(( per_round + 3 * $(duration_of "$w") )); done
nworkloads=$(wc -w <<<"$WORKLOADS")
total=$(( ROUNDS * per_round + 3 * nworkloads * WARMUP ))
say "pgbench: $ROUNDS rounds × 3 targets × ($WORKLOADS) ≈ $((total / 60)) min $((total % 60)) s"
if [ "$WARMUP" -gt 0 ]; then
  for target in "${targets[@]}"; do
    for w in $WORKLOADS; do run_pgbench "$w" "$target" 0 "$WARMUP"; done
  done
fi
for round in $(seq "$ROUNDS"); do
  # The order turns each round, so no target always runs first, or right after another.
  order=()
  for i in 0 1 2; do order+=("${targets[$(( (i + round - 1) % 3 ))]}"); done
  for w in $WORKLOADS; do
    for target in "${order[@]}"; do run_pgbench "$w" "$target" "$round" "$(duration_of "$w")"; done
  done
done

# --- memory per idle client -------------------------------------------------------------------

# IDLE_CLIENTS clients log in (SCRAM, like pgbench) and stay idle, holding no server in
# transaction mode; the pooler's VmRSS before they come and SETTLE seconds after the last is in.
printf 'pooler\tclients\trss_before_kb\trss_with_clients_kb\trss_after_kb\tstatus\n' >"$work/memory.tsv"
hold_idle_clients() {   # pooler
  local pooler=$1 port=${port_of[$1]} pid=${pid_of[$1]} ready=$work/idle-$1.ready
  local before during after connected status=ok deadline=$((IDLE_CLIENTS / 50 + 60))
  sleep "$SETTLE"
  before=$(rss_kb "$pid" VmRSS)
  python3 "$repo/bench/pooler/idle_clients.py" --host "$ADDR" --port "$port" --user bench --database bench \
    --count "$IDLE_CLIENTS" --max-errors $((IDLE_CLIENTS / 10 + 10)) --deadline "$deadline" --hold $((SETTLE + 5)) --ready-file "$ready" \
    >"$work/idle-$pooler.log" 2>&1 &
  idle_pid=$!
  for _ in $(seq $((deadline * 2 + 20))); do
    [ -e "$ready" ] || ! kill -0 "$idle_pid" 2>/dev/null && break
    sleep 0.5
  done
  [ -e "$ready" ] || { stop_pid "$idle_pid" TERM; cat "$work/idle-$pooler.log" >&2; die "the idle clients of $pooler did not report"; }
  connected=$(awk '{print $2}' "$ready")
  grep -q ' failed 0 ' "$ready" || status=$(sed 's/^connected [0-9]* //' "$ready")
  sleep "$SETTLE"
  during=$(rss_kb "$pid" VmRSS)
  wait "$idle_pid" || [ "$status" != ok ] || status="$(tail -n 1 "$work/idle-$pooler.log")"
  idle_pid=''
  sleep 2
  after=$(rss_kb "$pid" VmRSS)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pooler" "$connected" "$before" "$during" "$after" "$status" >>"$work/memory.tsv"
  say "  $pooler: $connected idle clients ($(awk '{print $6}' "$ready") s), VmRSS $before → $during KB, $after KB after they left [$status]"
}
if [ "$IDLE_CLIENTS" -gt 0 ]; then
  say "memory: $IDLE_CLIENTS idle clients on each pooler in turn"
  hold_idle_clients pgbouncer
  hold_idle_clients pgway
fi

kill -0 "$pgway_pid" 2>/dev/null || say "warning: pgway serve exited during the runs (see its log)"
kill -0 "$pgbouncer_pid" 2>/dev/null || say "warning: PgBouncer exited during the runs"

# --- the table --------------------------------------------------------------------------------

echo
revision=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
echo "pgway ($revision) pooler — PostgreSQL $pg_version, PgBouncer $pgbouncer_version, $(nproc) CPUs, $ADDR"
echo "transaction mode, default_pool_size $POOL_SIZE, SCRAM; pgbench -s $SCALE, $ROUNDS interleaved rounds of ${DURATION}s"
echo "(-C: ${CONNECT_DURATION}s); medians over rounds (per-round range of a ratio in parentheses)"
for w in $WORKLOADS; do printf '  %-9s pgbench -n %s\n' "$w:" "$(workload_args "$w")"; done
echo
awk -F'\t' -v workloads="$WORKLOADS" -v idle_pgway="$idle_ticks_pgway" -v idle_pgbouncer="$idle_ticks_pgbouncer" \
    -v idle_seconds="$idle_seconds" -v hz="$clk_tck" "$AWK_STATS"'
function add(key, value) { v[key] = (key in v) ? v[key] " " value : value }
function ratio(w, what, per_round,    r, list, m) {   # pgway over PgBouncer: median (range of rounds)
  list = ""
  for (r in rounds) if (per_round[w, "pgbouncer", r] > 0 && per_round[w, "pgway", r] != "") list = list " " per_round[w, "pgway", r] / per_round[w, "pgbouncer", r]
  m = median(v[w, "pgbouncer", what])
  return sprintf("%.2f (%s)", m > 0 ? median(v[w, "pgway", what]) / m : 0, range(list))
}
NR == 1 { next }
{
  add($1 SUBSEP $2 SUBSEP "tps", $4); add($1 SUBSEP $2 SUBSEP "avg", $5); add($1 SUBSEP $2 SUBSEP "p99", $6)
  if ($7 != "-") add($1 SUBSEP $2 SUBSEP "cpu", $7)
  tps[$1, $2, $3] = $4; avg[$1, $2, $3] = $5; p99[$1, $2, $3] = $6
  if ($8 != "ok") problems = problems sprintf("  round %s %s %s: %s\n", $3, $1, $2, $8)
  rounds[$3] = 1
}
END {
  nw = split(workloads, ws, " "); split("direct pgbouncer pgway", targets, " ")
  printf "%-9s %-10s %10s %9s %9s %15s\n", "workload", "target", "TPS", "avg ms", "p99 ms", "pooler CPU/tx"
  for (i = 1; i <= nw; i++) for (t = 1; t <= 3; t++) {
    k = ws[i] SUBSEP targets[t]
    cpu = (k SUBSEP "cpu") in v ? sprintf("%.0f µs", median(v[k, "cpu"])) : "-"
    printf "%-9s %-10s %10.1f %9.3f %9.3f %15s\n", ws[i], targets[t], median(v[k, "tps"]), median(v[k, "avg"]), median(v[k, "p99"]), cpu
  }
  print ""
  printf "%-9s %10s %10s %10s   %-18s %-18s %-18s\n", "workload", "direct", "PgBouncer", "pgway", "pgway/PgB TPS", "pgway/PgB avg lat", "pgway/PgB p99"
  for (i = 1; i <= nw; i++) {
    w = ws[i]
    printf "%-9s %10.0f %10.0f %10.0f   %-18s %-18s %-18s\n", w, median(v[w, "direct", "tps"]), median(v[w, "pgbouncer", "tps"]),
      median(v[w, "pgway", "tps"]), ratio(w, "tps", tps), ratio(w, "avg", avg), ratio(w, "p99", p99)
  }
  print ""
  if (idle_seconds > 0)
    printf "CPU with no traffic (during the direct runs; included in pooler CPU/tx): pgway %.1f ms/s, PgBouncer %.1f ms/s\n",
      idle_pgway / hz * 1000 / idle_seconds, idle_pgbouncer / hz * 1000 / idle_seconds
  if (problems != "") printf "\nruns with problems:\n%s", problems
}' "$work/results.tsv"

if [ "$IDLE_CLIENTS" -gt 0 ]; then
  awk -F'\t' '
NR == 1 { next }
{ n[$1] = $2; growth[$1] = $4 - $3; after[$1] = $5; before[$1] = $3; status[$1] = $6 }
END {
  line = "idle clients, VmRSS growth per client:"
  split("pgbouncer pgway", ps, " "); split("PgBouncer pgway", names, " ")
  for (i = 1; i <= 2; i++) {
    p = ps[i]
    line = line sprintf("  %s %.2f KB (%d clients, %+.1f MiB)", names[i], n[p] > 0 ? growth[p] / n[p] : 0, n[p], growth[p] / 1024)
  }
  print line "   [pgway target: ≤ 4 KB]"
  printf "VmRSS before / with the clients / after they left: PgBouncer %.1f / %.1f / %.1f MiB, pgway %.1f / %.1f / %.1f MiB\n",
    before["pgbouncer"] / 1024, (before["pgbouncer"] + growth["pgbouncer"]) / 1024, after["pgbouncer"] / 1024,
    before["pgway"] / 1024, (before["pgway"] + growth["pgway"]) / 1024, after["pgway"] / 1024
  for (i = 1; i <= 2; i++) if (status[ps[i]] != "ok") printf "idle clients of %s: %s\n", names[i], status[ps[i]]
}' "$work/memory.tsv"
fi

# What each pooler logged at warning level or above, and the clients it turned away (pgway logs
# those at info level, PgBouncer as "pooler error").
problems=$(grep -Ec '^[0-9:. ]*(warn|fail|crit):' "$work/pgway.log" || true)
echo "pgway serve logged $problems warnings or errors"
grep -E '^[0-9:. ]*(warn|fail|crit):' "$work/pgway.log" | sed -n '1,10p' | sed 's/^/  /' || true
refused=$(grep -c 'pooler: session [0-9]* refused: ' "$work/pgway.log" || true)
if [ "$refused" != 0 ]; then
  echo "pgway refused $refused sessions:"
  sed -n 's/.*pooler: session [0-9]* refused: //p' "$work/pgway.log" | sort | uniq -c | sort -rn | sed -n '1,5p'
fi
problems=$(grep -Ec ' (WARNING|ERROR|FATAL) ' "$work/pgbouncer/pgbouncer.log" || true)
echo "PgBouncer logged $problems warnings or errors"
grep -E ' (WARNING|ERROR|FATAL) ' "$work/pgbouncer/pgbouncer.log" | sed -n '1,10p' | sed 's/^/  /' || true
refused=$(grep -c 'pooler error: ' "$work/pgbouncer/pgbouncer.log" || true)
if [ "$refused" != 0 ]; then
  echo "PgBouncer refused $refused sessions:"
  sed -n 's/.*pooler error: //p' "$work/pgbouncer/pgbouncer.log" | sort | uniq -c | sort -rn | sed -n '1,5p'
fi

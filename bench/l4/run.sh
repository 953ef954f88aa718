#!/usr/bin/env bash
# pgway's L4 service routing beside HAProxy and direct PostgreSQL, interleaved, with medians and
# ratios. One command: builds pgway, starts a real PostgreSQL primary, pgway serve and HAProxy
# (from the haproxy.cfg pgway renders for the same inventory), runs pgbench against each in turn,
# prints a table, and removes everything it made. See bench/l4/README.md.
set -euo pipefail

ROUNDS=${ROUNDS:-3}                 # interleaved rounds; the table shows medians over them
DURATION=${DURATION:-10}            # seconds per select-only run
CONNECT_DURATION=${CONNECT_DURATION:-$DURATION}   # seconds per -C run
WARMUP=${WARMUP:-5}                 # seconds per target and mode before round 1, not counted
CLIENTS=${CLIENTS:-20}
CONNECT_CLIENTS=${CONNECT_CLIENTS:-8}
THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
ADDR=${BENCH_ADDR:-127.0.0.71}      # a loopback address of its own; every port below is on it
PG_PORT=5432 PGWAY_PORT=5433 HAPROXY_PORT=6433 AGENT_PORT=8008 STATS_PORT=9101
# pgway serve holds STATS_PORT (haproxy_exporter_port) for its own admin endpoint, and the pooler's
# 6432: HAProxy's stats page moves to a port of its own.
HAPROXY_STATS_PORT=9102
OUT=${OUT:-}                        # when set, the raw results and logs are copied there
BUILD=${BUILD:-1}                   # BUILD=0 uses the Release build as it is

repo=$(cd "$(dirname "$0")/../.." && pwd)
pgway_bin=$repo/src/Pgway.Cli/bin/Release/net10.0/pgway
# shellcheck source=../lib.sh
. "$repo/bench/lib.sh"

# --- prerequisites -----------------------------------------------------------------------------

find_pg_bin
for tool in pgbench psql haproxy; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool not found (apt-get install postgresql-client haproxy)"
done
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
[ "$BUILD" = 0 ] || command -v dotnet >/dev/null || die "the .NET 10 SDK is required to build pgway (dotnet not found)"

need_pg_user

for port in $PG_PORT $PGWAY_PORT $HAPROXY_PORT $AGENT_PORT $STATS_PORT; do
  port_taken "$port" && die "$ADDR:$port is already in use (choose another address with BENCH_ADDR=127.0.0.N)"
done

# --- clean-up: every process this script starts is stopped by its PID -------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/pgway-bench-l4.XXXXXX")
chmod 755 "$work"
pgway_pid='' haproxy_pid=''

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pid "$haproxy_pid" TERM
  stop_pid "$pgway_pid" TERM   # background jobs of a script ignore SIGINT
  pg_stop
  if [ -n "$OUT" ] && [ -d "$work" ]; then
    mkdir -p "$OUT"
    cp -f "$work"/results.tsv "$work"/pgway.log "$work"/haproxy.log "$work"/haproxy.cfg "$work"/inventory.yml \
      "$work"/pg/postgres.log "$OUT"/ 2>/dev/null || true
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
monitor_password=$(secret)
say "PostgreSQL $pg_version primary on $ADDR:$PG_PORT (initdb, pgbench -i -s $SCALE)"
pg_start "$PG_PORT" </dev/null
psql_local -d postgres <<EOF
CREATE ROLE bench LOGIN PASSWORD '$bench_password';
CREATE DATABASE bench OWNER bench;
CREATE ROLE bench_monitor LOGIN PASSWORD '$monitor_password' IN ROLE pg_monitor;
EOF
export PGPASSWORD=$bench_password PGUSER=bench PGDATABASE=bench PGCONNECT_TIMEOUT=5
pgbench -i -q -s "$SCALE" -h "$ADDR" -p "$PG_PORT" >"$work/pg/pgbench-init.log" 2>&1 \
  || { tail -n 20 "$work/pg/pgbench-init.log" >&2; die "pgbench -i failed"; }

# --- pgway serve ------------------------------------------------------------------------------

cat >"$work/inventory.yml" <<EOF
all:
  children:
    pg-bench:
      hosts:
        $ADDR: { pg_seq: 1, pg_role: primary }
      vars:
        pg_cluster: pg-bench
        pg_port: $PG_PORT
        patroni_port: $AGENT_PORT
        haproxy_exporter_port: $STATS_PORT
        pg_monitor_username: bench_monitor
        pg_monitor_password: $monitor_password
        pg_default_services:
          - { name: primary, port: $PGWAY_PORT, ip: $ADDR, dest: postgres, selector: "[]", check: /primary }
EOF
chmod 600 "$work/inventory.yml"

say "pgway serve: agent on $ADDR:$AGENT_PORT, service on $ADDR:$PGWAY_PORT"
"$pgway_bin" serve -c "$work/inventory.yml" --node "$ADDR" >"$work/pgway.log" 2>&1 &
pgway_pid=$!
wait_for_port "pgway" "$PGWAY_PORT" "$pgway_pid" "$work/pgway.log"

# --- HAProxy ----------------------------------------------------------------------------------

# The rendered config as it is, but: on another port, in the foreground, with maxconn within the
# descriptor limit (two per connection), and its stats page on this address and a port of its own
# (pgway serve, running beside it, holds the rendered one for its admin endpoint).
nofile=$(ulimit -n)
[ "$nofile" = unlimited ] && nofile=1048576
global_maxconn=$(( (nofile - 100) / 2 ))
[ "$global_maxconn" -gt 65535 ] && global_maxconn=65535
"$pgway_bin" render haproxy -c "$work/inventory.yml" >"$work/haproxy.rendered.cfg"
sed -e '/^[[:space:]]*daemon[[:space:]]*$/d' \
    -e "s/^\([[:space:]]*\)maxconn 65535[[:space:]]*\$/\1maxconn $global_maxconn/" \
    -e "s/bind \*:$STATS_PORT\$/bind $ADDR:$HAPROXY_STATS_PORT/" \
    -e "s/bind $ADDR:$PGWAY_PORT\$/bind $ADDR:$HAPROXY_PORT/" \
    "$work/haproxy.rendered.cfg" >"$work/haproxy.cfg"
grep -q "bind $ADDR:$HAPROXY_PORT\$" "$work/haproxy.cfg" || die "the rendered haproxy.cfg has no 'bind $ADDR:$PGWAY_PORT' to move"
grep -q "bind $ADDR:$HAPROXY_STATS_PORT\$" "$work/haproxy.cfg" || die "the rendered haproxy.cfg has no 'bind *:$STATS_PORT' (stats page) to move"
"$haproxy_bin" -c -q -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 || { cat "$work/haproxy.log" >&2; die "haproxy -c rejected the config"; }
haproxy_version=$("$haproxy_bin" -v | awk 'NR == 1 {print $3}')

say "HAProxy $haproxy_version on $ADDR:$HAPROXY_PORT, checking pgway's agent on :$AGENT_PORT"
"$haproxy_bin" -db -f "$work/haproxy.cfg" >>"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
wait_for_port "HAProxy" "$HAPROXY_PORT" "$haproxy_pid" "$work/haproxy.log"

pgway_rss_idle=$(rss_kb "$pgway_pid" VmRSS)
haproxy_rss_idle=$(rss_kb "$haproxy_pid" VmRSS)

# --- pgbench ----------------------------------------------------------------------------------

targets=(direct pgway haproxy)
declare -A port_of=([direct]=$PG_PORT [pgway]=$PGWAY_PORT [haproxy]=$HAPROXY_PORT)
declare -A pid_of=([direct]='' [pgway]=$pgway_pid [haproxy]=$haproxy_pid)
mkdir -p "$work/runs"
printf 'mode\ttarget\tround\ttps\tavg_ms\tp99_ms\tproxy_cpu_us_per_tx\tstatus\n' >"$work/results.tsv"

mode_args() {   # select: many long sessions; connect: a new connection per transaction
  case $1 in
    select) echo "-c $CLIENTS -j $THREADS" ;;
    connect) echo "-C -c $CONNECT_CLIENTS -j $THREADS" ;;
  esac
}

run_pgbench() {   # mode, target, round (0 = warm-up, not logged), seconds
  local mode=$1 target=$2 round=$3 seconds=$4 port=${port_of[$2]} pid=${pid_of[$2]}
  local name=$mode-$target-$round prefix=$work/runs/$mode-$target-$round.log   # pgbench adds .PID(.THREAD)
  local log_args=() status=ok before=0 after=0 pgway0 haproxy0
  [ "$round" -gt 0 ] && log_args=(-l "--log-prefix=$prefix")
  [ -n "$pid" ] && before=$(cpu_ticks "$pid")
  pgway0=$(cpu_ticks "$pgway_pid") haproxy0=$(cpu_ticks "$haproxy_pid")
  # shellcheck disable=SC2046
  pgbench -n -S $(mode_args "$mode") -T "$seconds" "${log_args[@]}" -h "$ADDR" -p "$port" \
    >"$work/runs/$name.out" 2>&1 || status="exit $?"
  [ -n "$pid" ] && after=$(cpu_ticks "$pid")
  [ "$round" -gt 0 ] || return 0
  if [ "$target" = direct ]; then   # what each proxy spends with no traffic: health checks, the agent
    idle_ticks_pgway=$(( idle_ticks_pgway + $(cpu_ticks "$pgway_pid") - pgway0 ))
    idle_ticks_haproxy=$(( idle_ticks_haproxy + $(cpu_ticks "$haproxy_pid") - haproxy0 ))
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
  p99=$(p99_ms "$prefix" "$mode")
  if [ -n "$pid" ] && [ -n "$tps" ]; then
    cpu=$(awk -v t=$((after - before)) -v hz="$clk_tck" -v tps="$tps" -v s="$seconds" \
      'BEGIN {if (tps > 0) printf "%.1f", t / hz * 1e6 / (tps * s); else print "-"}')
  fi
  rm -f "$prefix".*
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$target" "$round" "${tps:-nan}" "${avg:-nan}" "$p99" "$cpu" "$status" \
    >>"$work/results.tsv"
  say "  round $round $(printf '%-7s %-7s' "$mode" "$target") tps ${tps:-?}  avg ${avg:-?} ms  p99 $p99 ms  [$status]"
}

idle_ticks_pgway=0 idle_ticks_haproxy=0 idle_seconds=0
total=$(( 3 * ROUNDS * (DURATION + CONNECT_DURATION) + 6 * WARMUP ))
say "pgbench -S: $ROUNDS rounds × 3 targets × (select ${DURATION}s, connect ${CONNECT_DURATION}s) ≈ $((total / 60)) min $((total % 60)) s"
if [ "$WARMUP" -gt 0 ]; then
  for target in "${targets[@]}"; do
    run_pgbench select "$target" 0 "$WARMUP"
    run_pgbench connect "$target" 0 "$WARMUP"
  done
fi
for round in $(seq "$ROUNDS"); do
  # The order turns each round, so no target always runs first, or right after another.
  order=()
  for i in 0 1 2; do order+=("${targets[$(( (i + round - 1) % 3 ))]}"); done
  for target in "${order[@]}"; do run_pgbench select "$target" "$round" "$DURATION"; done
  for target in "${order[@]}"; do run_pgbench connect "$target" "$round" "$CONNECT_DURATION"; done
done

pgway_rss=$(rss_kb "$pgway_pid" VmRSS) pgway_hwm=$(rss_kb "$pgway_pid" VmHWM)
haproxy_rss=$(rss_kb "$haproxy_pid" VmRSS) haproxy_hwm=$(rss_kb "$haproxy_pid" VmHWM)
kill -0 "$pgway_pid" 2>/dev/null || say "warning: pgway serve exited during the runs (see its log)"
kill -0 "$haproxy_pid" 2>/dev/null || say "warning: HAProxy exited during the runs"

# --- the table --------------------------------------------------------------------------------

echo
revision=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
echo "pgway ($revision) L4 service routing — PostgreSQL $pg_version, HAProxy $haproxy_version, $(nproc) CPUs, $ADDR"
echo "pgbench -S, $ROUNDS interleaved rounds; medians over rounds (per-round range of a ratio in parentheses)"
echo "  select:  -c $CLIENTS -j $THREADS -T $DURATION (long sessions)"
echo "  connect: -C -c $CONNECT_CLIENTS -j $THREADS -T $CONNECT_DURATION (a new connection per transaction)"
echo
awk -F'\t' -v pgway_rss="$pgway_rss" -v pgway_hwm="$pgway_hwm" -v pgway_idle="$pgway_rss_idle" \
    -v haproxy_rss="$haproxy_rss" -v haproxy_hwm="$haproxy_hwm" -v haproxy_idle="$haproxy_rss_idle" \
    -v idle_pgway="$idle_ticks_pgway" -v idle_haproxy="$idle_ticks_haproxy" -v idle_seconds="$idle_seconds" -v hz="$clk_tck" "$AWK_STATS"'
function add(key, value) { v[key] = (key in v) ? v[key] " " value : value }
NR == 1 { next }
{
  add($1 SUBSEP $2 SUBSEP "tps", $4); add($1 SUBSEP $2 SUBSEP "avg", $5); add($1 SUBSEP $2 SUBSEP "p99", $6)
  if ($7 != "-") add($1 SUBSEP $2 SUBSEP "cpu", $7)
  tps[$1, $2, $3] = $4; p99[$1, $2, $3] = $6
  if ($8 != "ok") problems = problems sprintf("  round %s %s %s: %s\n", $3, $1, $2, $8)
  rounds[$3] = 1
}
END {
  split("select connect", modes, " "); split("direct pgway haproxy", targets, " ")
  printf "%-8s %-8s %12s %10s %10s %14s\n", "mode", "target", "TPS", "avg ms", "p99 ms", "proxy CPU/tx"
  for (m = 1; m <= 2; m++) for (t = 1; t <= 3; t++) {
    k = modes[m] SUBSEP targets[t]
    cpu = (k SUBSEP "cpu") in v ? sprintf("%.0f µs", median(v[k, "cpu"])) : "-"
    printf "%-8s %-8s %12.1f %10.3f %10.3f %14s\n", modes[m], targets[t], median(v[k, "tps"]), median(v[k, "avg"]), median(v[k, "p99"]), cpu
  }
  print ""
  printf "%-8s %-16s %-22s %-22s\n", "mode", "ratio", "TPS", "p99"
  for (m = 1; m <= 2; m++) {
    mode = modes[m]
    split("haproxy direct", others, " ")
    for (o = 1; o <= 2; o++) {
      other = others[o]; rt = rp = ""
      for (r in rounds) {
        if (tps[mode, other, r] > 0) rt = rt " " tps[mode, "pgway", r] / tps[mode, other, r]
        if (p99[mode, other, r] > 0) rp = rp " " p99[mode, "pgway", r] / p99[mode, other, r]
      }
      mt = median(v[mode, other, "tps"]); mp = median(v[mode, other, "p99"])
      printf "%-8s %-16s %-22s %-22s\n", mode, "pgway/" other,
        sprintf("%.2f (%s)", mt > 0 ? median(v[mode, "pgway", "tps"]) / mt : 0, range(rt)),
        sprintf("%.2f (%s)", mp > 0 ? median(v[mode, "pgway", "p99"]) / mp : 0, range(rp))
    }
  }
  print ""
  printf "RSS after the runs: pgway %.1f MiB (peak %.1f, idle %.1f), HAProxy %.1f MiB (peak %.1f, idle %.1f)\n",
    pgway_rss / 1024, pgway_hwm / 1024, pgway_idle / 1024, haproxy_rss / 1024, haproxy_hwm / 1024, haproxy_idle / 1024
  if (idle_seconds > 0)
    printf "CPU with no traffic (during the direct runs; included in proxy CPU/tx): pgway %.0f ms/s, HAProxy %.0f ms/s\n",
      idle_pgway / hz * 1000 / idle_seconds, idle_haproxy / hz * 1000 / idle_seconds
  if (problems != "") printf "\nruns with problems:\n%s", problems
}' "$work/results.tsv"

# What pgway logged at warning level or above: refusals, failed connects, members marked down.
problems=$(grep -Ec '^[0-9:. ]*(warn|fail|crit):' "$work/pgway.log" || true)
echo "pgway serve logged $problems warnings or errors"
grep -E '^[0-9:. ]*(warn|fail|crit):' "$work/pgway.log" | sed -n '1,10p' | sed 's/^/  /' || true

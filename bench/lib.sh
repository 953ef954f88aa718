# Shared by the bench scripts (sourced, not run): progress lines, the PostgreSQL binaries, a
# private PostgreSQL instance on a loopback address, stopping only the processes a script started,
# and the small measurements (RSS, CPU ticks, p99, medians) every table is made of.
#
# A script sets ADDR and work (its temporary directory) before calling pg_start, and calls
# stop_pid for each of its own processes and pg_stop from its EXIT trap.

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The newest /usr/lib/postgresql/<N>/bin with initdb, else pg_config's; PGWAY_PG_BIN overrides.
find_pg_bin() {
  pg_bin=${PGWAY_PG_BIN:-}
  if [ -z "$pg_bin" ]; then
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
      [ -x "$d/initdb" ] && { pg_bin=$d; break; }
    done
  fi
  [ -n "$pg_bin" ] || { command -v pg_config >/dev/null && pg_bin=$(pg_config --bindir); }
  [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql, or set PGWAY_PG_BIN)"
  pg_version=$("$pg_bin/postgres" --version | awk '{print $3}')
}

# Root runs PostgreSQL (and anything else that refuses root) as the postgres OS user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
fi
need_pg_user() {
  [ "$(id -u)" -ne 0 ] || id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' OS user for PostgreSQL (initdb refuses root)"
}

port_taken() { (exec 3<>"/dev/tcp/$ADDR/$1") 2>/dev/null; }

stop_pid() {   # PID, signal: ask, wait up to 10 s, then SIGKILL
  local pid=$1 signal=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

secret() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# --- a private PostgreSQL ----------------------------------------------------------------------

pgdata='' postmaster_pid=''

pg_start() {   # port, then extra postgresql.conf lines on standard input
  local port=$1
  pgdata=$work/pg/data
  pg_port=$port
  mkdir -p "$work/pg/socket" "$pgdata"
  [ ${#as_pg[@]} -eq 0 ] || chown -R postgres "$work/pg"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U postgres -E UTF8 --locale=C -N -A trust >"$work/pg/initdb.log" 2>&1 \
    || { tail -n 20 "$work/pg/initdb.log" >&2; die "initdb failed"; }
  {
    cat <<EOF
listen_addresses = '$ADDR'
port = $port
unix_socket_directories = '$work/pg/socket'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
password_encryption = 'scram-sha-256'
EOF
    cat
  } >>"$pgdata/postgresql.conf"
  cat >"$pgdata/pg_hba.conf" <<EOF
local all all trust
host  all all 127.0.0.0/8 scram-sha-256
EOF
  "${as_pg[@]}" "$pg_bin/pg_ctl" start -D "$pgdata" -l "$work/pg/postgres.log" -w -t 60 >/dev/null \
    || { tail -n 20 "$work/pg/postgres.log" >&2; die "PostgreSQL did not start"; }
  postmaster_pid=$(head -n 1 "$pgdata/postmaster.pid")
}

# As the superuser, over the instance's own socket directory (trust).
psql_local() { psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg/socket" -p "$pg_port" -U postgres "$@"; }

pg_stop() {
  [ -n "$postmaster_pid" ] || return 0
  "${as_pg[@]}" "$pg_bin/pg_ctl" stop -D "$pgdata" -m fast -w -t 20 >/dev/null 2>&1 || true
  # Only if pg_ctl could not: the PID is still the postmaster of this data directory.
  if kill -0 "$postmaster_pid" 2>/dev/null && tr '\0' ' ' <"/proc/$postmaster_pid/cmdline" 2>/dev/null | grep -qF -- "$pgdata"; then
    kill -KILL "$postmaster_pid" 2>/dev/null || true
  fi
}

wait_for_port() {   # name, port, pid, log: until a query through it answers (PGUSER etc. set)
  local name=$1 port=$2 pid=$3 log=$4
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "$name exited"; }
    psql -X -q -h "$ADDR" -p "$port" -tAc 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -n 20 "$log" >&2
  die "no connection through $name ($ADDR:$port) within 60 s"
}

# --- measurements -------------------------------------------------------------------------------

rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
clk_tck=$(getconf CLK_TCK)

# p99 by nearest rank over every transaction in pgbench's per-thread logs (prefix.*). Latency
# mode: the logged latency (column 3, µs). Connect mode: pgbench logs the latency without the
# connection, so the time between one transaction's end and the next of the same client (columns
# 5-6) is used instead: disconnect, connect, start-up and the query, what a client of a new
# connection waits for.
p99_ms() {   # prefix, latency|connect
  local prefix=$1 mode=$2
  cat "$prefix".* 2>/dev/null |
    awk -v mode="$mode" '
      mode != "connect" {print $3; next}
      {t = $5 * 1000000 + $6; if ($1 in last) print t - last[$1]; last[$1] = t}' |
    sort -n |
    awk '{v[NR] = $1} END {if (NR == 0) {print "nan"; exit} r = int(NR * 0.99); if (r < NR * 0.99) r++; printf "%.3f", v[r] / 1000}'
}

# awk functions for the tables: median and range ("lo–hi") of a space-separated list.
# shellcheck disable=SC2034
AWK_STATS='
function median(list,    a, n, i, j, t) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
  if (n == 0) return "nan"
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function range(list,    a, n, i, lo, hi) {
  n = split(list, a, " "); lo = hi = a[1]
  for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
  return n ? sprintf("%.2f–%.2f", lo, hi) : "-"
}
'

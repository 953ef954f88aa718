#!/usr/bin/env bash
# Crash failover under load: the time from a promotion to the first committed write through pgway and
# through HAProxy (from the haproxy.cfg pgway renders), side by side. One command: builds pgway and the
# bench (bench/failover, a .NET console that builds its clusters with tests/Pgway.Testing: real Patroni 3.0
# and etcd, or plain streaming replication), runs ROUNDS crashes per scenario, prints a table, and stops
# everything it started. See bench/failover/README.md.
set -euo pipefail

BUILD=${BUILD:-1}   # BUILD=0 uses the Release builds as they are
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$repo/bench/lib.sh"

for tool in dotnet haproxy patroni etcd; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || [ -x "/usr/bin/$tool" ] \
    || die "$tool not found (the .NET 10 SDK; apt-get install haproxy patroni etcd-server)"
done
find_pg_bin
need_pg_user

export PGWAY_BIN=$repo/src/Pgway.Cli/bin/Release/net10.0/pgway
export HAPROXY_BIN=${HAPROXY_BIN:-$(command -v haproxy || echo /usr/sbin/haproxy)}
bench_dll=$repo/bench/failover/bin/Release/net10.0/FailoverBench.dll

if [ "$BUILD" != 0 ]; then
  log=$(mktemp "${TMPDIR:-/tmp}/pgway-bench-failover-build.XXXXXX")
  say "building pgway and the bench (Release)"
  { dotnet build "$repo/src/Pgway.Cli" -c Release -v quiet -nologo && dotnet build "$repo/bench/failover" -c Release -v quiet -nologo; } >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; rm -f "$log"; die "dotnet build failed"; }
  rm -f "$log"
fi
[ -x "$PGWAY_BIN" ] || die "$PGWAY_BIN not found (build it: dotnet build src/Pgway.Cli -c Release)"
[ -f "$bench_dll" ] || die "$bench_dll not found (build it: dotnet build bench/failover -c Release)"

# The bench stops what it started (by PID) on its own, also on Ctrl-C; exec keeps the signals direct.
exec dotnet "$bench_dll"

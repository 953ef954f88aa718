#!/usr/bin/env bash
# pgway's L2 VIP against the stack Pigsty users run today (vip-manager 1.0.2 + HAProxy), side by side on the
# network-namespace lab of the integration tests: three hosts with etcd and PostgreSQL, pgway serve on each
# keeping VIP 198.51.100.2, vip-manager on each keeping 198.51.100.3 in front of the haproxy.cfg pgway renders.
# Each round stops the primary, promotes a replica and moves Patroni's leader key, then times (from the key
# write) ARP, TCP connect and the first write through each VIP from the client namespace. Runs as root (network
# namespaces), bounded in rounds and time; it stops what it started (by PID) and deletes the lab. See README.md.
set -euo pipefail

BUILD=${BUILD:-1}   # BUILD=0 uses the Release builds as they are
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$repo/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run as root: the lab creates network namespaces"
for tool in dotnet haproxy etcd etcdctl arping ip vip-manager; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || [ -x "/usr/bin/$tool" ] \
    || die "$tool not found (the .NET 10 SDK; apt-get install haproxy etcd-server etcd-client iputils-arping iproute2 vip-manager)"
done
find_pg_bin
need_pg_user

export PGWAY_BIN=$repo/src/Pgway.Cli/bin/Release/net10.0/pgway
export HAPROXY_BIN=${HAPROXY_BIN:-$(command -v haproxy || echo /usr/sbin/haproxy)}
export VIP_MANAGER_BIN=${VIP_MANAGER_BIN:-$(command -v vip-manager || echo /usr/bin/vip-manager)}
bench_dll=$repo/bench/vip/bin/Release/net10.0/VipBench.dll

if [ "$BUILD" != 0 ]; then
  log=$(mktemp "${TMPDIR:-/tmp}/pgway-bench-vip-build.XXXXXX")
  say "building pgway and the bench (Release)"
  { dotnet build "$repo/src/Pgway.Cli" -c Release -v quiet -nologo && dotnet build "$repo/bench/vip" -c Release -v quiet -nologo; } >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; rm -f "$log"; die "dotnet build failed"; }
  rm -f "$log"
fi
[ -x "$PGWAY_BIN" ] || die "$PGWAY_BIN not found (build it: dotnet build src/Pgway.Cli -c Release)"
[ -f "$bench_dll" ] || die "$bench_dll not found (build it: dotnet build bench/vip -c Release)"

# The bench stops what it started (by PID) on its own, also on Ctrl-C; exec keeps the signals direct.
exec dotnet "$bench_dll"

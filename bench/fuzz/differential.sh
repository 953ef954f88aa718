#!/usr/bin/env bash
# Differential protocol tester, for as long as asked: generated client conversations run against
# PostgreSQL directly and through every pgway path; prints conversations run and divergences found,
# each with its seed and a minimal repro. Starts its own PostgreSQL (tests/Pgway.Testing) and stops it.
#   bench/fuzz/differential.sh --count 1000            # seeds 1..1000
#   bench/fuzz/differential.sh --duration 3600 --seed 50000
# Options: --count N | --duration SECONDS, --seed FIRST, --read-timeout SECONDS (a hang), --shrink-seconds, --shrink-runs.
set -euo pipefail

BUILD=${BUILD:-1}   # BUILD=0 runs the Release build as it is
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib.sh
. "$repo/bench/lib.sh"

command -v dotnet >/dev/null || die "dotnet not found (the .NET 10 SDK)"
find_pg_bin
need_pg_user

# The tester's own PostgreSQL makes and drops about a hundred table files per conversation: on ext4
# the inode allocator's scan of recently deleted inodes then took a third of the CPU. On tmpfs
# (RAM, 10-20 MB here) a run does about half again as many conversations a minute.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

project=$repo/bench/fuzz/differential
if [ "$BUILD" != 0 ]; then
  log=$(mktemp "${TMPDIR:-/tmp}/pgway-differential-build.XXXXXX")
  say "building the differential tester (Release)"
  dotnet build "$project" -c Release -v quiet -nologo >"$log" 2>&1 || { tail -n 30 "$log" >&2; rm -f "$log"; die "dotnet build failed"; }
  rm -f "$log"
fi
exec dotnet "$project/bin/Release/net10.0/DifferentialFuzz.dll" "$@"

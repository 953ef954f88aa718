#!/usr/bin/env bash
# Coverage-guided fuzzing of pgway's parsers of untrusted bytes with AFL++ and SharpFuzz.
#   bench/fuzz/fuzz.sh TARGET [EXECUTIONS [SECONDS]]   one target (see README.md for the list)
#   bench/fuzz/fuzz.sh all [EXECUTIONS [SECONDS]]      every target in turn
# Each run stops after about EXECUTIONS executions (default 1,000,000) or SECONDS (default 3600),
# whichever comes first, and prints executions, paths, crashes and hangs. Crashing inputs are kept
# under $FUZZ_WORK/findings/TARGET/default/crashes; reproduce one with the uninstrumented harness
# (the instrumented assemblies only run under AFL):
#   dotnet run --project bench/fuzz/Pgway.Fuzz -- TARGET FILE
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
targets=(startup framing prepared scram agent admin console dns inventory)
target="${1:?usage: fuzz.sh TARGET|all [EXECUTIONS [SECONDS]]; targets: ${targets[*]}}"
executions="${2:-1000000}"
seconds="${3:-3600}"
work="${FUZZ_WORK:-$here/work}"
export PATH="$PATH:$HOME/.dotnet/tools"

install() {
    if ! command -v afl-fuzz >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++
    fi
    if ! command -v sharpfuzz >/dev/null; then
        dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
    fi
}

# Built afresh, then pgway's two assemblies and the DNS library instrumented in place (SharpFuzz refuses to do it twice).
build() {
    rm -rf "$work/bin"
    dotnet build "$here/Pgway.Fuzz" -c Release -o "$work/bin" -p:TreatWarningsAsErrors=true >/dev/null
    sharpfuzz "$work/bin/Pgway.Protocol.dll"
    sharpfuzz "$work/bin/Pgway.Core.dll"   # src/Pgway's assembly
    sharpfuzz "$work/bin/ARSoft.Tools.Net.dll"   # the DNS wire format the dns target reads
}

stat() { sed -n "s/^$1 *: *//p" "$2"; }

run() {
    local name="$1" findings="$work/findings/$1"
    rm -rf "$findings"
    mkdir -p "$findings"
    echo "== $name: up to $executions executions or ${seconds}s"
    # .NET needs no memory limit (-m none) and a generous time limit for the first, JIT-compiling runs;
    # the dotnet host itself is not instrumented (SKIP_BIN_CHECK), pgway's assemblies are.
    AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 \
    AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 \
        nice -n 10 afl-fuzz -i "$here/corpus/$name" -o "$findings" -t 10000 -m none -E "$executions" -V "$seconds" \
        -- dotnet "$work/bin/Pgway.Fuzz.dll" "$name" > "$findings/afl.log" 2>&1 || {
            echo "afl-fuzz failed; the end of its log:"; tail -20 "$findings/afl.log"; return 1; }
    local stats="$findings/default/fuzzer_stats"
    printf '%-10s executions %s  paths %s  crashes %s  hangs %s  exec/s %s  seconds %s\n' "$name" \
        "$(stat execs_done "$stats")" "$(stat corpus_count "$stats")" "$(stat saved_crashes "$stats")" \
        "$(stat saved_hangs "$stats")" "$(stat execs_per_sec "$stats")" "$(stat run_time "$stats")" | tee -a "$work/summary.txt"
}

install
build
if [[ "$target" == all ]]; then
    for name in "${targets[@]}"; do run "$name"; done
else
    [[ " ${targets[*]} " == *" $target "* ]] || { echo "unknown target '$target'; targets: ${targets[*]}" >&2; exit 2; }
    run "$target"
fi

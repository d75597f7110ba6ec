#!/usr/bin/env bash
# Start-to-exit wall time of each everyday `bin/canopy` command from the shell, as a script sees
# it (every command is a JVM), against a running one-broker test instance, next to the floor of
# any JVM start (`java -Xshare:auto -version`); and jobs a second submitted by a shell loop of
# `canopy submit` against one `canopy submit --cc`. Results go to docs/performance.md.
#   bench/cli-start.sh            # trains the AppCDS archive if stale, starts an instance, runs inside it
#   bench/cli-start.sh --inner    # inside an instance you started (CANOPY_URI set)
# RUNS=N (default 10) runs per command after 2 unmeasured ones. COMPARE_JSA=FILE also runs each
# command with that CDS archive instead (e.g. one trained on `canopy uptime` alone, as before
# scripts/train-cds), alternating run by run so that both see the same load, and adds its
# columns. Build first: scripts/setup.
set -euo pipefail
top="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
canopy="$top/bin/canopy"
jar="$top/tools/target/canopy.jar"
jsa="$top/tools/target/canopy-cli.jsa"
runs=${RUNS:-10}
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [ "${1:-}" != --inner ]; then
    [ -f "$jar" ] || { echo "cli-start: $jar is missing; build it first (scripts/setup)" >&2; exit 1; }
    if [ ! -f "$jsa" ] || [ ! "$jsa" -nt "$jar" ]; then
        echo "cli-start: (re)training $jsa as scripts/setup does" >&2
        "$top/scripts/train-cds"
    fi
    exec timeout 1200 "$canopy" start --test-size=2 bash "$0" --inner
fi
: "${CANOPY_URI:?--inner runs inside a Canopy instance: CANOPY_URI is not set}"

# Times one run of "$@" in ms (into T); a failure ends the script with the command's error output.
once() {
    local t0 t1 err
    err="$(mktemp)"
    t0=$EPOCHREALTIME
    if ! timeout 60 "$@" >/dev/null 2>"$err"; then
        echo "cli-start: '$*' failed:" >&2
        cat "$err" >&2
        exit 1
    fi
    t1=$EPOCHREALTIME
    rm -f "$err"
    T=$(((${t1/./} - ${t0/./}) / 1000))
}

stats() { # times... -> "median min max"
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m, v[1], v[NR] }'
}

# Runs "$@" 2 times unmeasured, then $runs times (alternating with the COMPARE_JSA archive when
# set); prints a table row.
row() {
    local label=$1 i a=() b=()
    shift
    for ((i = -2; i < runs; i++)); do
        once "$@"
        ((i >= 0)) && a+=("$T")
        if [ -n "${COMPARE_JSA:-}" ]; then
            CANOPY_JAVA_OPTS="-XX:SharedArchiveFile=$COMPARE_JSA" once "$@"
            ((i >= 0)) && b+=("$T")
        fi
    done
    read -r m1 n1 x1 < <(stats "${a[@]}")
    if [ -n "${COMPARE_JSA:-}" ]; then
        read -r m2 n2 x2 < <(stats "${b[@]}")
        printf '| `%s` | %s | %s | %s | %s | %s |\n' "$label" "$m1" "$n1" "$x1" "$m2" "$n2"
    else
        printf '| `%s` | %s | %s | %s |\n' "$label" "$m1" "$n1" "$x1"
    fi
}

echo "cli-start: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cpus, $("$java" -version 2>&1 | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each (ms)"
echo
if [ -n "${COMPARE_JSA:-}" ]; then
    echo "| command | median | min | max | median, $(basename "$COMPARE_JSA") | min, $(basename "$COMPARE_JSA") |"
    echo "|---|---|---|---|---|---|"
else
    echo "| command | median | min | max |"
    echo "|---|---|---|---|"
fi
row "java -Xshare:auto -version" "$java" -Xshare:auto -version
row "canopy --version" "$canopy" --version
row "canopy uptime" "$canopy" uptime
row "canopy resource status" "$canopy" resource status
row "canopy resource drain (list)" "$canopy" resource drain
row "canopy overlay status" "$canopy" overlay status
row "canopy config get tbon" "$canopy" config get tbon
row "canopy jobs" "$canopy" jobs
row "canopy submit true" "$canopy" submit true
id=$("$canopy" submit true)
row "canopy job info ID" "$canopy" job info "$id"
row "canopy exec true" "$canopy" exec true
row "canopy dmesg" "$canopy" dmesg
echo
n=${JOBS:-50}
t0=$EPOCHREALTIME
for ((i = 0; i < n; i++)); do "$canopy" submit true >/dev/null; done
t1=$EPOCHREALTIME
loop=$(((${t1/./} - ${t0/./}) / 1000))
t0=$EPOCHREALTIME
"$canopy" submit --cc=1-1000 --quiet true
t1=$EPOCHREALTIME
cc=$(((${t1/./} - ${t0/./}) / 1000))
awk -v n="$n" -v l="$loop" -v c="$cc" 'BEGIN {
    printf "submissions: a shell loop of %d `canopy submit true`: %d ms, %.1f jobs/s; `canopy submit --cc=1-1000 true`: %d ms, %.0f jobs/s\n", n, l, n * 1000 / l, c, 1000 * 1000 / c }'
"$canopy" cancel --all --quiet >/dev/null 2>&1 || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

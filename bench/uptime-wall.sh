#!/usr/bin/env bash
# Wall time of `bin/canopy uptime` from the shell, as an operator sees it: 20 runs with the CLI's
# AppCDS archive and 20 without (the JDK's default CDS archive only), against a running one-broker
# test instance, next to the floor of any JVM start, `java -Xshare:auto -version`.
# Target (issue): under 300 ms. Usage:
#   bench/uptime-wall.sh            # starts a test instance and runs itself inside it
#   bench/uptime-wall.sh --inner    # inside an instance you started (CANOPY_URI set)
# Build first: mvn -pl tools -am package -DskipTests (or scripts/setup).
set -euo pipefail
top="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
canopy="$top/bin/canopy"
jar="$top/tools/target/canopy.jar"
jsa="$top/tools/target/canopy-cli.jsa"
runs=${RUNS:-20}
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [ "${1:-}" != --inner ]; then
    [ -f "$jar" ] || { echo "uptime-wall: $jar is missing; build it first" >&2; exit 1; }
    if [ ! -f "$jsa" ] || [ ! "$jsa" -nt "$jar" ]; then
        # Train the archive exactly as scripts/setup does.
        echo "uptime-wall: (re)training $jsa as scripts/setup does" >&2
        rm -f "$jsa"
        timeout 120 "$canopy" start --test-size=1 env CANOPY_CDS_DUMP="$jsa" "$canopy" uptime >/dev/null
    fi
    exec timeout 600 "$canopy" start --test-size=1 bash "$0" --inner
fi

: "${CANOPY_URI:?--inner runs inside a Canopy instance: CANOPY_URI is not set}"
[ -f "$jsa" ] && [ "$jsa" -nt "$jar" ] || { echo "uptime-wall: no fresh $jsa; run without --inner" >&2; exit 1; }
# The JDK's own archive: naming it again overrides bin/canopy's -XX:SharedArchiveFile=canopy-cli.jsa,
# so "without" still has the default CDS that every JVM gets.
java_home="$(dirname "$(dirname "$(readlink -f "$(command -v "$java")")")")"
default_jsa="$java_home/lib/server/classes.jsa"
[ -f "$default_jsa" ] || { echo "uptime-wall: no default CDS archive at $default_jsa" >&2; exit 1; }

# Runs "$@" 2 times unmeasured, then $runs times; sets MEDIAN, MIN and MAX (milliseconds of wall
# time). Output is discarded; a failure ends the script with the command's error output.
measure() {
    local i t0 t1 err times=()
    err="$(mktemp)"
    for ((i = -2; i < runs; i++)); do
        t0=$EPOCHREALTIME
        if ! timeout 30 "$@" >/dev/null 2>"$err"; then
            echo "uptime-wall: '$*' failed:" >&2
            cat "$err" >&2
            exit 1
        fi
        t1=$EPOCHREALTIME
        if ((i >= 0)); then
            times+=($(((${t1/./} - ${t0/./}) / 1000)))
        fi
    done
    rm -f "$err"
    read -r MEDIAN MIN MAX < <(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m, v[1], v[NR] }')
}

report() { # label median min max
    printf '  %-44s median %5s ms  min %5s ms  max %5s ms\n' "$1" "$2" "$3" "$4"
}

echo "uptime-wall: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cpus, $("$java" -version 2>&1 | head -1)"
echo "  load before: $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each"
"$canopy" uptime
measure "$canopy" uptime
report "bin/canopy uptime, AppCDS archive" "$MEDIAN" "$MIN" "$MAX"
with=$MEDIAN
CANOPY_JAVA_OPTS="-XX:SharedArchiveFile=$default_jsa" measure "$canopy" uptime
report "bin/canopy uptime, default CDS only" "$MEDIAN" "$MIN" "$MAX"
without=$MEDIAN
measure "$java" -Xshare:auto -version
report "baseline: java -Xshare:auto -version" "$MEDIAN" "$MIN" "$MAX"
awk -v w="$with" -v o="$without" -v j="$MEDIAN" 'BEGIN {
    printf "  ratios: with/without archive %.2f, with archive/java -version %.2f\n", w / o, w / j
    printf "  target: under 300 ms (median, with the archive): %s\n", (w < 300) ? "met" : "MISSED" }'
echo "  load after: $(cut -d' ' -f1-3 /proc/loadavg)"

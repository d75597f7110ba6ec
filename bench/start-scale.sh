#!/usr/bin/env bash
# Start of a large test instance: wall time from `canopy start` to every broker in `run`, and the
# CPU the broker JVMs used to get there (per thread name, from /proc), which is what bounds a start
# of a thousand brokers on a machine of two cores. Results go to docs/performance.md.
#   bench/start-scale.sh SIZE FANOUT PER_JVM     # e.g. 1024 32 128; FANOUT $((SIZE-1)) is flat
# The instance shuts down right after the measurement. Build first: scripts/setup.
set -euo pipefail
top="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
size=${1:?size}; fanout=${2:?fanout}; per=${3:?brokers per JVM}
[ -f "$top/tools/target/canopy.jar" ] || { echo "start-scale: build first (scripts/setup)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "start-scale: needs python3 to read /proc" >&2; exit 1; }
echo "start-scale: $size brokers, fanout $fanout, $per a JVM; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
T0=$t0 timeout 1800 "$top/bin/canopy" start --test-size="$size" --fanout="$fanout" --brokers-per-process="$per" \
    --timeout 900s sh -c '
echo "to run: $(echo "$(date +%s.%N) - $T0" | bc) s"
python3 - <<"PY"
import collections, os, re
threads = collections.Counter(); live = total = children = 0.0; jvms = 0
rundir = os.environ["CANOPY_URI"].removeprefix("local://").rsplit("/r0/", 1)[0]  # this instance only
hz = os.sysconf("SC_CLK_TCK")
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
        if "io.canopy.tools.Main broker " not in cmd or f" --rundir {rundir}/" not in cmd:
            continue
        st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += (int(st[11]) + int(st[12])) / hz; children += (int(st[13]) + int(st[14])) / hz; jvms += 1
        for tid in os.listdir(f"/proc/{pid}/task"):
            name = re.sub(r"[-_ ]?\d+$", "", open(f"/proc/{pid}/task/{tid}/comm").read().strip())
            t = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            threads[name] += (int(t[11]) + int(t[12])) / hz; live += (int(t[11]) + int(t[12])) / hz
    except OSError:
        pass
print(f"CPU of {jvms} broker JVMs at run: {total:.1f} s (threads alive now {live:.1f} s), "
      f"their child processes {children:.1f} s")
for name, s in threads.most_common(8):
    print(f"  {s:7.1f} s  {name}")
PY'
echo "start-scale: done after $(echo "$(date +%s.%N) - $t0" | bc) s (shutdown included)"

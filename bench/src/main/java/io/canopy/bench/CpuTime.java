package io.canopy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used, split into user and kernel time, from {@code /proc} (Linux), so a
 * benchmark can say where a request's cost goes: into the code, or into system calls and wake-ups.
 * Resolution is one clock tick (10 ms); use it over runs of seconds.
 */
record CpuTime(long userNanos, long systemNanos) {
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    /** What process {@code pid} has used so far; zero when /proc cannot tell. */
    static CpuTime of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new CpuTime(Long.parseLong(f[11]) * NANOS_PER_TICK, Long.parseLong(f[12]) * NANOS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return new CpuTime(0, 0);
        }
    }

    /** What the waited-for children of process {@code pid} used, all together (cutime, cstime). */
    static CpuTime children(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new CpuTime(Long.parseLong(f[13]) * NANOS_PER_TICK, Long.parseLong(f[14]) * NANOS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return new CpuTime(0, 0);
        }
    }

    CpuTime minus(CpuTime earlier) {
        return new CpuTime(userNanos - earlier.userNanos, systemNanos - earlier.systemNanos);
    }

    /** {@code "9.3 µs (user 3.1, kernel 6.2)"}: this much CPU time shared among {@code count} requests. */
    String perRequest(int count) {
        return String.format("%.1f µs (user %.1f, kernel %.1f)", (userNanos + systemNanos) / 1e3 / count,
                userNanos / 1e3 / count, systemNanos / 1e3 / count);
    }
}

package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * How the job commands show jobs: the columns of {@code canopy jobs}, durations, eventlog lines and
 * the exit status a command takes from a job. Pure functions of the broker's JSON.
 */
final class JobFormat {
    static final String HEADER = String.format(Locale.ROOT, "%8s %-10s %-12s %-2s %6s %6s %8s %s",
            "JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO");

    private JobFormat() {}

    /** One row of {@code canopy jobs}; {@code now} in seconds since the epoch. */
    static String row(JsonNode j, double now) {
        String info = j.path("nodelist").isTextual() ? j.path("nodelist").asText() : "";
        return String.format(Locale.ROOT, "%8d %-10s %-12s %-2s %6d %6d %8s %s", j.path("id").asLong(),
                cut(j.path("user").asText(), 10), cut(j.path("name").asText(), 12), status(j), j.path("ntasks").asInt(),
                j.path("nnodes").asInt(), runtime(j, now), info).stripTrailing();
    }

    /** D, S, R, C for active jobs; CD, F, CA, E for inactive ones, by result. */
    static String status(JsonNode j) {
        return switch (j.path("state").asText()) {
            case "DEPEND" -> "D";
            case "SCHED" -> "S";
            case "RUN" -> "R";
            case "CLEANUP" -> "C";
            default -> switch (j.path("result").asText()) {
                case "COMPLETED" -> "CD";
                case "FAILED" -> "F";
                case "CANCELED" -> "CA";
                default -> "E";
            };
        };
    }

    /** How long the job ran (or has run so far); empty when it never ran. */
    static String runtime(JsonNode j, double now) {
        if (!j.path("t_run").isNumber()) {
            return "";
        }
        double end = j.path("t_inactive").isNumber() ? j.path("t_inactive").asDouble() : now;
        return duration(Math.max(0, end - j.path("t_run").asDouble()));
    }

    /** Seconds as flux shows them: 1.234s, 2.5m, 1.2h, 3.1d. */
    static String duration(double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.3fs", s);
        } else if (s < 3600) {
            return String.format(Locale.ROOT, "%.1fm", s / 60);
        } else if (s < 86400) {
            return String.format(Locale.ROOT, "%.1fh", s / 3600);
        }
        return String.format(Locale.ROOT, "%.1fd", s / 86400);
    }

    /** Bytes as 512B, 1.5K, 20.3M, 1.2G (powers of 1,024, as free -h and flux show them). */
    static String bytes(long n) {
        String[] units = {"B", "K", "M", "G", "T", "P"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + "B" : String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }

    /** One eventlog line: {@code 1700000000.123456 name key=value ...}. */
    static String eventLine(JsonNode e) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.6f %s", e.path("timestamp").asDouble(),
                e.path("name").asText()));
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("context").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            b.append(' ').append(f.getKey()).append('=').append(v.isValueNode() && !v.isTextual() ? v.asText()
                    : v.isTextual() && !v.asText().contains(" ") && !v.asText().isEmpty() ? v.asText() : Json.write(v, false));
        }
        return b.toString();
    }

    /**
     * The exit status a command that waited for a job takes: the job's exit code when it ran to the
     * end of its tasks (128+N for a task killed by signal N), else 1.
     */
    static int exitStatus(JsonNode j) {
        if (j.path("exitcode").isNumber()) {
            return j.path("exitcode").asInt();
        }
        return "COMPLETED".equals(j.path("result").asText()) ? 0 : 1;
    }

    /** What went wrong with a job that did not complete, in one line; null when it completed. */
    static String trouble(JsonNode j) {
        String result = j.path("result").asText();
        if (result.equals("COMPLETED")) {
            return null;
        }
        for (JsonNode x : j.path("exceptions")) {
            if (x.path("severity").asInt() == 0) {
                return "job " + j.path("id").asLong() + " " + result + ": " + x.path("type").asText() + ": "
                        + x.path("note").asText();
            }
        }
        return "job " + j.path("id").asLong() + " " + result + (j.path("exitcode").isNumber()
                ? ": exit " + j.path("exitcode").asInt() : "");
    }

    /** Seconds since the epoch as a local ISO-8601 time, or "-". */
    static String time(JsonNode t) {
        if (!t.isNumber()) {
            return "-";
        }
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                Instant.ofEpochMilli((long) (t.asDouble() * 1000)).atZone(ZoneId.systemDefault())).replaceAll("\\.\\d+$", "");
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "+";
    }
}

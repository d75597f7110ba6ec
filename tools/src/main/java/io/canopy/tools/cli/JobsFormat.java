package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code canopy jobs -o} fields and {@code -f} states, by flux's names where flux has them:
 * {@code id}, {@code username}, {@code userid}, {@code name}, {@code state} (DEPEND, SCHED, RUN,
 * CLEANUP, INACTIVE), {@code result} (COMPLETED, FAILED, CANCELED, ...), {@code status} (the state,
 * or the result once inactive), {@code status_abbrev} (ST: D, S, R, C, CD, F, CA, E), {@code ntasks},
 * {@code nnodes}, {@code runtime}, {@code nodelist}, {@code ranks}, {@code exitcode},
 * {@code t_submit}, {@code t_run}, {@code t_inactive}.
 */
final class JobsFormat {
    /** What {@code -o} gives with no fields named: the columns of plain {@code canopy jobs}. */
    static final String DEFAULT = "{id:>8} {username:<10.10+} {name:<12.12+} {status_abbrev:<2} {ntasks:>6} {nnodes:>6} "
            + "{runtime:>8} {nodelist}";

    /** States and results {@code -f} accepts; {@code pending}, {@code running}, {@code active}, {@code inactive} group them. */
    static final List<String> FILTERS = List.of("depend", "sched", "run", "cleanup", "completed", "failed", "canceled",
            "exception", "pending", "running", "active", "inactive");

    private JobsFormat() {}

    static Map<String, OutputFormat.Field<JsonNode>> fields(double now) {
        return OutputFormat.fields(
                new OutputFormat.Field<>("id", "JOBID", j -> j.path("id").asText()),
                new OutputFormat.Field<>("username", "USER", j -> j.path("user").asText()),
                new OutputFormat.Field<>("userid", "UID", j -> j.path("userid").asText()),
                new OutputFormat.Field<>("name", "NAME", j -> j.path("name").asText()),
                new OutputFormat.Field<>("state", "STATE", j -> j.path("state").asText()),
                new OutputFormat.Field<>("result", "RESULT", j -> j.path("result").isTextual() ? j.path("result").asText() : ""),
                new OutputFormat.Field<>("status", "STATUS", j -> j.path("result").isTextual() ? j.path("result").asText()
                        : j.path("state").asText()),
                new OutputFormat.Field<>("status_abbrev", "ST", JobFormat::status),
                new OutputFormat.Field<>("ntasks", "NTASKS", j -> j.path("ntasks").asText()),
                new OutputFormat.Field<>("nnodes", "NNODES", j -> j.path("nnodes").asText()),
                new OutputFormat.Field<>("runtime", "TIME", j -> JobFormat.runtime(j, now)),
                new OutputFormat.Field<>("nodelist", "NODELIST", j -> j.path("nodelist").isTextual()
                        ? j.path("nodelist").asText() : ""),
                new OutputFormat.Field<>("ranks", "RANKS", j -> j.path("ranks").isTextual() ? j.path("ranks").asText() : ""),
                new OutputFormat.Field<>("exitcode", "EXIT", j -> j.path("exitcode").isNumber()
                        ? j.path("exitcode").asText() : ""),
                new OutputFormat.Field<>("t_submit", "SUBMITTED", j -> JobFormat.time(j.path("t_submit"))),
                new OutputFormat.Field<>("t_run", "STARTED", j -> JobFormat.time(j.path("t_run"))),
                new OutputFormat.Field<>("t_inactive", "ENDED", j -> JobFormat.time(j.path("t_inactive"))));
    }

    /**
     * The states and results {@code spec} (comma-separated) names, upper case as the job manager
     * has them.
     *
     * @throws IllegalArgumentException naming the unknown one and listing the valid ones
     */
    static Set<String> filter(String spec) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String s : spec.split(",")) {
            String t = s.strip().toLowerCase(java.util.Locale.ROOT);
            switch (t) {
                case "pending" -> out.addAll(List.of("DEPEND", "SCHED"));
                case "running" -> out.addAll(List.of("RUN", "CLEANUP"));
                case "active" -> out.addAll(List.of("DEPEND", "SCHED", "RUN", "CLEANUP"));
                case "inactive" -> out.addAll(List.of("COMPLETED", "FAILED", "CANCELED", "EXCEPTION"));
                default -> {
                    if (!FILTERS.contains(t)) {
                        throw new IllegalArgumentException("unknown state '" + t + "' in --filter (valid: "
                                + String.join(", ", FILTERS) + ")");
                    }
                    out.add(t.toUpperCase(java.util.Locale.ROOT));
                }
            }
        }
        return out;
    }

    /** Whether a job is in one of {@code wanted} (states of active jobs, results of inactive ones). */
    static boolean matches(JsonNode j, Set<String> wanted) {
        String state = j.path("state").asText();
        if (wanted.contains(state)) {
            return true;
        }
        String result = j.path("result").isTextual() ? j.path("result").asText() : null;
        if (result == null) {
            return false;
        }
        return wanted.contains(result) || wanted.contains("EXCEPTION")
                && !List.of("COMPLETED", "FAILED", "CANCELED").contains(result);
    }

    /** Whether {@code user} (a name, a uid or {@code all}) is the job's submitter. */
    static boolean byUser(JsonNode j, String user) {
        return user == null || user.equals("all") || user.equals(j.path("user").asText())
                || user.equals(j.path("userid").asText());
    }

    /** Whether any wanted state is one only inactive jobs have (so the list must include them). */
    static boolean needsInactive(Set<String> wanted) {
        return wanted.stream().anyMatch(w -> !List.of("DEPEND", "SCHED", "RUN", "CLEANUP").contains(w));
    }
}

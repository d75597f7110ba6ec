package io.canopy.config;

import io.canopy.idset.Hostlist;
import io.canopy.idset.IdSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [resource]} table, read by the resource module on the leader (and, for the reboot
 * command and the health check, by job-exec on every node).
 *
 * @param drainOnLost        {@code drain_on_lost}: drain a lost node with reason "lost"; false unless set
 * @param exclude            {@code exclude} as written: ranks ({@code 0-2}) or hosts ({@code mgmt[1-2]}) that
 *                           never run jobs, such as service nodes; empty unless set
 * @param excludeRanks       the ranks {@code exclude} names, every one of them in the instance: a host that
 *                           is not listed or a rank out of range is an error, never a silently shorter list
 * @param undrainOnReturn    {@code undrain_on_return}: a node drained because it was lost loses that drain
 *                           when it is back (after passing the health check, when there is one); false
 *                           unless set. Only the {@code lost} drain goes: an administrator's stays
 * @param rebootCommand      {@code reboot_command}: what reboots a node, run by the node's launcher as the
 *                           broker's user when the broker runs the launcher itself (a root broker, a test
 *                           instance); unset with a launcher socket, whose launcher runs root's own
 *                           {@code --reboot-command}
 * @param healthCheck        {@code health_check}: the node's health check, likewise
 * @param healthCheckTimeout {@code health_check_timeout}: a health check running longer has failed; 5m
 * @param rebootTimeout      {@code reboot_timeout}: a node rebooted by {@code canopy resource reboot} that is
 *                           not back (with a new boot id) by then stays drained with a reason that says so; 15m
 */
public record Resource(boolean drainOnLost, String exclude, IdSet excludeRanks, boolean undrainOnReturn,
        Optional<NodeCommand> rebootCommand, Optional<NodeCommand> healthCheck, Duration healthCheckTimeout,
        Duration rebootTimeout) {
    static final List<String> KEYS = List.of("drain_on_lost", "exclude", "undrain_on_return", "reboot_command",
            "health_check", "health_check_timeout", "reboot_timeout");

    public Resource {
        Objects.requireNonNull(exclude, "exclude");
        Objects.requireNonNull(excludeRanks, "excludeRanks");
        Objects.requireNonNull(rebootCommand, "rebootCommand");
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(healthCheckTimeout, "healthCheckTimeout");
        Objects.requireNonNull(rebootTimeout, "rebootTimeout");
    }

    public Resource(boolean drainOnLost, String exclude, IdSet excludeRanks) {
        this(drainOnLost, exclude, excludeRanks, false, Optional.empty(), Optional.empty(), Duration.ofMinutes(5),
                Duration.ofMinutes(15));
    }

    public Resource(boolean drainOnLost) {
        this(drainOnLost, "", IdSet.empty());
    }

    static Resource read(TomlTable t, List<Host> hosts) throws ConfigException {
        t.allowOnly(KEYS);
        String exclude = t.stringOrEmpty("exclude");
        return new Resource(t.bool("drain_on_lost", false), exclude, ranks(t, "exclude", exclude, hosts),
                t.bool("undrain_on_return", false), NodeCommand.read(t, "reboot_command"),
                NodeCommand.read(t, "health_check"), t.duration("health_check_timeout", "5m"),
                t.duration("reboot_timeout", "15m"));
    }

    /**
     * With a launcher socket, the node's launcher is root's and runs only the commands root gave it
     * ({@code canopy-launch@.service}): a command in this file, which the broker's user may be able
     * to change, is refused rather than silently unused.
     */
    void checkWith(JobExec jobExec, TomlTable t) throws ConfigException {
        if (jobExec.launcherSocket().isEmpty()) {
            return;
        }
        for (var e : List.of(java.util.Map.entry("reboot_command", rebootCommand),
                java.util.Map.entry("health_check", healthCheck))) {
            if (e.getValue().isPresent()) {
                throw t.error(e.getKey(), "not used with job-exec.launcher_socket: the launcher behind the socket runs "
                        + "as root and runs only what root configured for it",
                        "remove " + e.getKey() + " here and give canopy-launch@.service --"
                        + e.getKey().replace('_', '-') + "=... (a drop-in)");
            }
        }
    }

    /** The table's keys as module arguments: the resource module's, and job-exec's share of them. */
    public java.util.Map<String, String> moduleArgs() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("drain_on_lost", Boolean.toString(drainOnLost));
        m.put("exclude", excludeRanks.toString());
        m.put("undrain_on_return", Boolean.toString(undrainOnReturn));
        m.put("reboot_timeout", rebootTimeout.toMillis() + "ms");
        m.put("health_check_timeout", healthCheckTimeout.toMillis() + "ms");
        return m;
    }

    /** What job-exec on every node takes from this table: the commands it asks its launcher to run. */
    public java.util.Map<String, String> nodeArgs() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        rebootCommand.ifPresent(c -> m.put("reboot_command", c.text()));
        healthCheck.ifPresent(c -> m.put("health_check", c.text()));
        m.put("health_check_timeout", healthCheckTimeout.toMillis() + "ms");
        return m;
    }

    /**
     * The ranks {@code text} (an idset of ranks or a hostlist) names in {@code hosts}; anything not
     * in the instance is an error naming it.
     */
    static IdSet ranks(TomlTable t, String key, String text, List<Host> hosts) throws ConfigException {
        if (text.isBlank()) {
            return IdSet.empty();
        }
        String last = Integer.toString(hosts.size() - 1);
        if (Character.isDigit(text.strip().charAt(0))) {
            IdSet ids;
            try {
                ids = IdSet.parse(text.strip());
            } catch (IllegalArgumentException e) {
                throw t.error(key, "\"" + text + "\" is not a set of ranks: " + e.getMessage(),
                        "write ranks such as \"0-2,5\" or hosts such as \"mgmt0,login[1-2]\"");
            }
            if (!ids.isEmpty() && ids.last() >= hosts.size()) {
                IdSet beyond = ids.difference(IdSet.range(0, hosts.size() - 1));
                throw t.error(key, "rank(s) " + beyond + " out of range: bootstrap.hosts lists ranks 0-" + last,
                        "name ranks from 0 to " + last + ", or hosts listed in bootstrap.hosts");
            }
            return ids;
        }
        List<String> names;
        try {
            names = Hostlist.expand(text.strip());
        } catch (IllegalArgumentException e) {
            throw t.error(key, "\"" + text + "\" is not a hostlist: " + e.getMessage(),
                    "write hosts such as \"mgmt0,login[1-2]\" or ranks such as \"0-2\"");
        }
        Map<String, Integer> rankOf = new HashMap<>();
        for (Host h : hosts) {
            rankOf.put(h.name(), h.rank());
        }
        List<String> unknown = new ArrayList<>();
        List<Integer> ranks = new ArrayList<>();
        for (String n : names) {
            Integer r = rankOf.get(n);
            if (r == null) {
                unknown.add(n);
            } else {
                ranks.add(r);
            }
        }
        if (!unknown.isEmpty()) {
            throw t.error(key, "unknown host(s) " + Hostlist.compress(unknown) + ": not in bootstrap.hosts",
                    "name only hosts listed in bootstrap.hosts (or ranks 0-" + last + ")");
        }
        return IdSet.of(ranks.stream().mapToInt(Integer::intValue).toArray());
    }
}

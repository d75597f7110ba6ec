package io.canopy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An {@link InstanceConfig} as the tables and keys of {@code system.toml}, every key with the value
 * in force (defaults filled in), for {@code canopy config get}; and which changes between two such
 * views {@code canopy config reload} can apply to running brokers. Values are what TOML would say:
 * strings, integers, booleans, durations as {@code "5s"}, the host list as tables.
 */
public final class ConfigTables {
    /**
     * The tables a reload applies on every broker. Everything else (the hosts, the tree, the
     * heartbeats, the directories, job-exec's {@code cores} and how it launches tasks) is read once at
     * start.
     */
    public static final Set<String> RUNTIME_TABLES = Set.of("resource", "job-exec");
    /** Keys of the runtime tables that still need a restart. */
    public static final Set<String> RESTART_KEYS = Set.of("job-exec.cores", "job-exec.launcher",
            "job-exec.launcher_socket", "job-exec.containment");

    private ConfigTables() {}

    /** {@code config} as nested maps: table, key, value. */
    public static Map<String, Object> of(InstanceConfig config) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> bootstrap = new LinkedHashMap<>();
        List<Map<String, Object>> hosts = new ArrayList<>();
        for (Host h : config.hosts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", h.name());
            m.put("rank", h.rank());
            m.put("bind", h.bind());
            m.put("connect", h.connect());
            m.put("parent", h.parent() == null ? null : config.host(h.parent()).name());
            hosts.add(m);
        }
        bootstrap.put("hosts", hosts);
        bootstrap.put("default_port", config.bootstrap().defaultPort());
        bootstrap.put("default_bind", config.bootstrap().defaultBind());
        bootstrap.put("default_connect", config.bootstrap().defaultConnect());
        bootstrap.put("curve_cert", config.bootstrap().curveCert().map(Object::toString).orElse(null));
        root.put("bootstrap", bootstrap);
        Map<String, Object> tbon = new LinkedHashMap<>();
        tbon.put("fanout", config.tbon().fanout());
        tbon.put("keepalive_period", duration(config.tbon().keepalivePeriod()));
        tbon.put("torpid_timeout", duration(config.tbon().torpidTimeout()));
        tbon.put("lost_timeout", duration(config.tbon().lostTimeout()));
        root.put("tbon", tbon);
        Map<String, Object> broker = new LinkedHashMap<>();
        broker.put("rundir", config.broker().rundir().toString());
        broker.put("statedir", config.broker().statedir().toString());
        broker.put("quorum", config.broker().quorum());
        root.put("broker", broker);
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("drain_on_lost", config.resource().drainOnLost());
        resource.put("exclude", config.resource().exclude());
        resource.put("undrain_on_return", config.resource().undrainOnReturn());
        resource.put("reboot_command", config.resource().rebootCommand().map(NodeCommand::text).orElse(null));
        resource.put("health_check", config.resource().healthCheck().map(NodeCommand::text).orElse(null));
        resource.put("health_check_timeout", duration(config.resource().healthCheckTimeout()));
        resource.put("reboot_timeout", duration(config.resource().rebootTimeout()));
        root.put("resource", resource);
        Map<String, Object> jobExec = new LinkedHashMap<>();
        jobExec.put("epilog", config.jobExec().epilog().map(Object::toString).orElse(null));
        jobExec.put("epilog_timeout", duration(config.jobExec().epilogTimeout()));
        jobExec.put("drain_on_epilog_failure", config.jobExec().drainOnEpilogFailure());
        jobExec.put("kill_timeout", duration(config.jobExec().killTimeout()));
        jobExec.put("cores", config.jobExec().cores());
        jobExec.put("launcher", config.jobExec().launcher().map(Object::toString).orElse(null));
        jobExec.put("launcher_socket", config.jobExec().launcherSocket().map(Object::toString).orElse(null));
        jobExec.put("containment", config.jobExec().containment());
        root.put("job-exec", jobExec);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("listen", config.metrics().listen().orElse(null));
        root.put("metrics", metrics);
        root.put("job-manager", Map.of("inactive_limit", config.jobManager().inactiveLimit()));
        return root;
    }

    /**
     * The dotted keys whose values differ between {@code running} and {@code file}, split into
     * those a reload applies and those that wait for a restart.
     */
    public static Changes changes(Map<String, Object> running, Map<String, Object> file) {
        Map<String, Object> a = flatten(running);
        Map<String, Object> b = flatten(file);
        Set<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        for (String k : keys) {
            if (Objects.equals(a.get(k), b.get(k))) {
                continue;
            }
            String table = k.contains(".") ? k.substring(0, k.indexOf('.')) : k;
            (RUNTIME_TABLES.contains(table) && !RESTART_KEYS.contains(k) ? applied : restart).add(k);
        }
        return new Changes(applied, restart);
    }

    /** What a reload changes now ({@code applied}) and what only a restart changes ({@code restart}). */
    public record Changes(List<String> applied, List<String> restart) {}

    /**
     * {@code running} with the runtime tables of {@code file} put in, except the keys that need a
     * restart: the configuration in force after a reload.
     */
    public static Map<String, Object> applyRuntime(Map<String, Object> running, Map<String, Object> file) {
        Map<String, Object> out = new LinkedHashMap<>(running);
        for (String table : RUNTIME_TABLES) {
            if (!(file.get(table) instanceof Map<?, ?> fresh)) {
                continue;
            }
            Map<String, Object> merged = new LinkedHashMap<>();
            fresh.forEach((k, v) -> merged.put(String.valueOf(k), v));
            if (running.get(table) instanceof Map<?, ?> old) {
                for (String key : RESTART_KEYS) {
                    if (key.startsWith(table + ".")) {
                        String name = key.substring(table.length() + 1);
                        merged.put(name, old.get(name));
                    }
                }
            }
            out.put(table, merged);
        }
        return out;
    }

    /** Every leaf as {@code table.key} (host entries as {@code bootstrap.hosts[i].key}). */
    static Map<String, Object> flatten(Map<String, Object> tables) {
        Map<String, Object> out = new TreeMap<>();
        flatten("", tables, out);
        return out;
    }

    private static void flatten(String prefix, Object v, Map<String, Object> out) {
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, x, out));
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                flatten(prefix + "[" + i + "]", l.get(i), out);
            }
            out.put(prefix + ".length", l.size());
        } else {
            out.put(prefix, v == null ? null : v.toString());
        }
    }

    /** A duration as the shortest exact TOML value: {@code "500ms"}, {@code "5s"}, {@code "2m"}, {@code "1h"}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }
}

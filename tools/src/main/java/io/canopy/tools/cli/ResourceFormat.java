package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canopy.idset.IdSet;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The columns of {@code canopy resource status} and of the drain list ({@code canopy resource
 * drain} without targets), by flux's field names where flux has them: {@code state},
 * {@code statex} (the state, {@code *} when the nodes are down), {@code status}
 * ({@code online}/{@code offline}), {@code up}, {@code nnodes}, {@code ranks}, {@code nodelist},
 * {@code timestamp}, {@code reason} (for draining nodes, with the jobs they wait for), plus {@code user}
 * (who drained them), {@code source} (whose drains: admin, health, epilog, lost, reboot) and
 * {@code jobs} (the jobs that keep draining nodes from being drained).
 */
final class ResourceFormat {
    /** What {@code resource status} shows unless {@code -o} says otherwise. */
    static final String STATUS_DEFAULT = "{state:>10} {up:>2} {nnodes:>6} {nodelist:<20} {source:<7} {reason}";
    /** {@code -o long}: ranks, and who drained when. */
    static final String STATUS_LONG = "{state:>10} {up:>2} {nnodes:>6} {ranks:<10} {nodelist:<20} {timestamp:<20} "
            + "{user:<10} {source:<7} {reason}";
    /** The drain list. */
    static final String DRAIN_DEFAULT = "{timestamp:<20} {state:<8} {user:<10} {source:<7} {nodelist:<20} {reason}";

    /** Every state {@code -s} accepts, in the order groups are printed; {@code drain} and the rest are sets of them. */
    static final List<String> STATES = List.of("avail", "exclude", "draining", "drained", "torpid", "lost", "offline");
    static final String STATES_DEFAULT = String.join(",", STATES);

    static final Map<String, OutputFormat.Field<ResourceView.Group>> FIELDS = OutputFormat.fields(
            new OutputFormat.Field<>("state", "STATE", ResourceView.Group::state),
            new OutputFormat.Field<>("statex", "STATE", g -> g.state() + (g.up() ? "" : "*")),
            new OutputFormat.Field<>("status", "STATUS", g -> g.up() ? "online" : "offline"),
            new OutputFormat.Field<>("up", "UP", g -> g.up() ? "y" : "n"),
            new OutputFormat.Field<>("nnodes", "NNODES", g -> Integer.toString(g.hosts().size())),
            new OutputFormat.Field<>("ranks", "RANKS", g -> IdSet.of(g.ranks().stream().mapToInt(Integer::intValue)
                    .toArray()).toString()),
            new OutputFormat.Field<>("nodelist", "NODELIST", g -> ResourceView.hostlist(g.hosts())),
            new OutputFormat.Field<>("timestamp", "TIME", g -> g.time() > 0 ? time(g.time()) : ""),
            new OutputFormat.Field<>("user", "USER", ResourceView.Group::user),
            new OutputFormat.Field<>("source", "SOURCE", ResourceView.Group::source),
            new OutputFormat.Field<>("jobs", "JOBS", g -> String.join(",", g.jobs().stream().map(String::valueOf).toList())),
            new OutputFormat.Field<>("reason", "REASON", ResourceFormat::reason));

    private ResourceFormat() {}

    /** The drain reasons, and for draining nodes the jobs they wait for: {@code os update (waiting on job 42)}. */
    static String reason(ResourceView.Group g) {
        String r = g.reason() == null ? "" : g.reason();
        return g.jobs().isEmpty() ? r : r + (r.isEmpty() ? "" : " ") + "(waiting on " + ResourceView.jobList(g.jobs()) + ")";
    }

    /** The format {@code -o} names ({@code default}, {@code long} or fields). */
    static OutputFormat<ResourceView.Group> status(String spec) {
        String s = spec == null || spec.equals("default") ? STATUS_DEFAULT : spec.equals("long") ? STATUS_LONG : spec;
        return OutputFormat.parse(s, FIELDS);
    }

    /**
     * The states {@code -s} names: a comma-separated list of {@link #STATES}, {@code drain}
     * (draining and drained), {@code online} (every state of a node that is up: then only up nodes
     * are shown), {@code all}.
     *
     * @throws IllegalArgumentException naming the unknown state and the valid ones
     */
    static Set<String> states(String spec) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : (spec == null ? STATES_DEFAULT : spec).split(",")) {
            String t = s.strip();
            switch (t) {
                case "all" -> out.addAll(STATES);
                case "drain" -> out.addAll(List.of("draining", "drained"));
                default -> {
                    if (!STATES.contains(t)) {
                        throw new IllegalArgumentException("unknown state '" + t + "' in --states (valid states: "
                                + String.join(", ", STATES) + ", drain, all)");
                    }
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** {@code resource status}: the groups in {@code states}, laid out by {@code format}. */
    static int printStatus(ResourceView view, PrintWriter out, String format, String statesSpec, boolean noHeader,
            boolean json) {
        OutputFormat<ResourceView.Group> f = status(format);
        Set<String> states = states(statesSpec);
        List<ResourceView.Group> groups = view.groups().stream().filter(g -> states.contains(g.state())).toList();
        if (json) {
            out.println(Json.write(groupsJson(groups), false));
            return 0;
        }
        if (!noHeader) {
            out.println(f.header());
        }
        groups.forEach(g -> out.println(f.row(g)));
        return 0;
    }

    /** The drain list. */
    static int listDrains(ResourceView view, PrintWriter out, String format, boolean noHeader, boolean json) {
        OutputFormat<ResourceView.Group> f = OutputFormat.parse(format == null || format.equals("default")
                ? DRAIN_DEFAULT : format, FIELDS);
        List<ResourceView.Group> drains = new ArrayList<>();
        for (ResourceView.Group g : view.groups()) {
            if (g.state().startsWith("drain")) {
                drains.add(g);
            }
        }
        if (json) {
            out.println(Json.write(groupsJson(drains), false));
            return 0;
        }
        if (!noHeader) {
            out.println(f.header());
        }
        drains.forEach(g -> out.println(f.row(g)));
        return 0;
    }

    /** {@code {"groups":[{state, up, nnodes, ranks, nodelist, reason, user, timestamp}, ...]}}. */
    static ObjectNode groupsJson(List<ResourceView.Group> groups) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("groups");
        for (ResourceView.Group g : groups) {
            ObjectNode o = arr.addObject();
            o.put("state", g.state());
            o.put("up", g.up());
            o.put("nnodes", g.hosts().size());
            o.put("ranks", FIELDS.get("ranks").value().apply(g));
            o.put("nodelist", ResourceView.hostlist(g.hosts()));
            o.put("reason", g.reason());
            o.put("source", g.source().isEmpty() ? null : g.source());
            ArrayNode jobs = o.putArray("jobs");
            g.jobs().forEach(jobs::add);
            o.put("user", g.user().isEmpty() ? null : g.user());
            if (g.time() > 0) {
                o.put("timestamp", g.time());
            } else {
                o.putNull("timestamp");
            }
        }
        return root;
    }

    static String time(double epochSeconds) {
        return Instant.ofEpochMilli((long) (epochSeconds * 1000)).toString().substring(0, 19);
    }
}

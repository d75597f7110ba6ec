package io.canopy.tools.launch;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A broker's Prometheus endpoint ({@code [metrics] listen}, {@code http://LISTEN/metrics}), with the
 * Prometheus Java client. At each scrape it asks its own broker, as a client on the local socket
 * (the same answers the CLI gets): every broker reports its uptime, state and version, messages
 * routed and events seen (counters: rates come from {@code rate()}), its children's links (up, a
 * round trip measured now, how often each connected) and its parent link, and its JVM's memory;
 * the leader adds the instance's: nodes by state, drains by where they came from and since when,
 * jobs by state, the queue, and jobs ended by result (their rate is the throughput). A question
 * that fails leaves its metrics out of that scrape, and {@code canopy_scrape_errors} says which.
 */
public final class MetricsExporter implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(MetricsExporter.class);
    private static final Duration ASK = Duration.ofSeconds(5);
    private static final Duration PROBE = Duration.ofSeconds(1);

    private final HTTPServer server;
    private final CanopyClient client;

    private MetricsExporter(HTTPServer server, CanopyClient client) {
        this.server = server;
        this.client = client;
    }

    /**
     * Serves {@code /metrics} on {@code host:port} for the broker listening on {@code socket}.
     *
     * @throws IOException when the port cannot be bound or the broker's socket reached (the message says which)
     */
    public static MetricsExporter start(String host, int port, Path socket) throws IOException {
        CanopyClient client = CanopyClient.connect(socket);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new BrokerCollector(client));
        JvmMemoryMetrics.builder().register(registry);
        HTTPServer server;
        try {
            server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        } catch (IOException e) {
            client.close();
            throw new IOException("cannot serve metrics on " + host + ":" + port + " ([metrics] listen): "
                    + e.getMessage() + "; choose a free port", e);
        }
        LOG.info("metrics: serving Prometheus metrics on http://{}:{}/metrics", host, server.getPort());
        return new MetricsExporter(server, client);
    }

    /** The port actually bound. */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }

    /** Turns the broker's answers into metric families at each scrape. */
    static final class BrokerCollector implements MultiCollector {
        private final CanopyClient client;

        BrokerCollector(CanopyClient client) {
            this.client = client;
        }

        @Override
        public MetricSnapshots collect() {
            Families f = new Families();
            JsonNode up = ask(f, "broker.uptime", NodeId.ANY, null);
            int rank = up == null ? -1 : up.path("rank").asInt(-1);
            if (up != null) {
                f.gauge("canopy_broker_uptime_seconds", "Seconds since this broker started.", up.path("uptime").asDouble());
                f.gauge("canopy_broker_info", "This broker: rank, host, state and version (always 1).", 1,
                        "rank", up.path("rank").asText(), "host", up.path("hostname").asText(), "state",
                        up.path("state").asText(), "version", up.path("version").asText());
            }
            JsonNode stats = ask(f, "broker.stats", NodeId.ANY, null);
            if (stats != null) {
                f.counter("canopy_requests_routed", "Requests this broker routed (rate() gives the message rate).",
                        stats.path("requests").asDouble());
                f.counter("canopy_responses_dropped", "Responses dropped because their caller had gone.",
                        stats.path("responsesDropped").asDouble());
                f.counter("canopy_events", "Sequence number of the last event this broker saw (rate(): events a second).",
                        stats.path("eventSeq").asDouble());
                f.gauge("canopy_local_clients", "Clients connected to the local socket.", stats.path("clients").asDouble());
                f.gauge("canopy_modules", "Modules loaded.", stats.path("modules").asDouble());
            }
            JsonNode overlay = ask(f, "overlay.status", NodeId.ANY, null);
            if (overlay != null) {
                overlay(f, overlay);
            }
            if (rank == 0) {
                leader(f);
            }
            return f.snapshots();
        }

        private void overlay(Families f, JsonNode o) {
            f.counter("canopy_event_gaps", "Gaps this broker saw in event sequence numbers.", o.path("eventGaps").asDouble());
            JsonNode p = o.path("parentLink");
            if (p.isObject()) {
                f.gauge("canopy_overlay_parent_up", "1 when the link to the parent is up.", p.path("up").asBoolean() ? 1 : 0);
                f.counter("canopy_overlay_parent_connects", "Times the link to the parent came up (increase() beyond 1: "
                        + "reconnects).", p.path("connects").asDouble());
                f.gauge("canopy_overlay_parent_backlog", "Messages waiting for the parent to come back.",
                        p.path("waiting").asDouble());
            }
            int refused = 0;
            for (JsonNode r : o.path("refused")) {
                refused += r.path("count").asInt();
            }
            f.counter("canopy_overlay_refused", "Peers this broker refused (wrong certificate, instance, rank or host).",
                    refused);
            for (JsonNode c : o.path("children")) {
                String r = c.path("rank").asText();
                String host = c.path("host").asText();
                boolean online = c.path("status").asText().equals("online");
                f.gauge("canopy_overlay_child_up", "1 when the child is online (0: torpid, lost or offline).",
                        online ? 1 : 0, "child", host, "rank", r);
                f.counter("canopy_overlay_child_connects", "Times the child came online (increase() beyond 1: "
                        + "reconnects).", c.path("connects").asDouble(), "child", host, "rank", r);
                if (online) {
                    long t0 = System.nanoTime();
                    try {
                        client.call("broker.ping", c.path("rank").asInt(), null, PROBE);
                        f.gauge("canopy_overlay_rtt_seconds", "Round trip of a ping to the child, measured at this scrape.",
                                (System.nanoTime() - t0) / 1e9, "child", host, "rank", r);
                    } catch (RpcException e) {
                        f.error("broker.ping " + r);
                    }
                }
            }
        }

        private void leader(Families f) {
            JsonNode status = ask(f, "resource.status", 0, null);
            if (status != null) {
                Map<String, Integer> byState = new LinkedHashMap<>();
                for (String s : List.of("avail", "exclude", "draining", "drained", "torpid", "lost", "offline")) {
                    byState.put(s, 0);
                }
                Map<String, Integer> bySource = new LinkedHashMap<>();
                for (String s : List.of("admin", "health", "epilog", "lost", "reboot")) {
                    bySource.put(s, 0);
                }
                for (JsonNode n : status.path("nodes")) {
                    String state = nodeState(n);
                    byState.merge(state, 1, Integer::sum);
                    f.gauge("canopy_node_up", "1 when the node's broker is online (as its parent sees it).",
                            n.path("state").asText().equals("online") ? 1 : 0, "node", n.path("host").asText());
                    for (JsonNode d : drains(n)) {
                        String source = d.path("source").asText();
                        bySource.merge(source, 1, Integer::sum);
                        f.gauge("canopy_drain_timestamp_seconds", "When the node was drained by that source (seconds "
                                + "since the epoch).", d.path("time").asDouble(), "node", n.path("host").asText(),
                                "source", source);
                    }
                }
                byState.forEach((s, n) -> f.gauge("canopy_nodes", "Nodes by state, as canopy resource status shows them.",
                        n, "state", s));
                bySource.forEach((s, n) -> f.gauge("canopy_drains", "Drained nodes by where the drain came from "
                        + "(admin, health, epilog, lost, reboot; a node drained by two counts under both).", n,
                        "source", s));
            }
            JsonNode jobs = ask(f, "job-manager.stats", 0, null);
            if (jobs != null) {
                int queue = 0;
                for (var e : iterable(jobs.path("active"))) {
                    f.gauge("canopy_jobs", "Active jobs by state.", e.getValue().asDouble(), "state", e.getKey());
                    if (e.getKey().equals("SCHED") || e.getKey().equals("DEPEND")) {
                        queue += e.getValue().asInt();
                    }
                }
                f.gauge("canopy_job_queue_length", "Jobs waiting to run (DEPEND and SCHED).", queue);
                for (var e : iterable(jobs.path("inactive"))) {
                    f.counter("canopy_jobs_ended", "Jobs that ended, by result (rate(): the throughput).",
                            e.getValue().asDouble(), "result", e.getKey());
                }
                f.counter("canopy_jobs_submitted", "Jobs the job manager holds (submitted and kept).",
                        jobs.path("total").asDouble());
            }
        }

        private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
            return object::fields;
        }

        /** The state {@code canopy resource status} shows. */
        static String nodeState(JsonNode n) {
            if (n.path("excluded").asBoolean(false)) {
                return "exclude";
            }
            JsonNode d = n.path("drain");
            if (d.isObject()) {
                return d.path("state").asText("drained");
            }
            String s = n.path("state").asText();
            return s.equals("online") ? "avail" : s;
        }

        /**
         * A node's drains, each with its source; from a leader of the previous release, which has no
         * {@code drains}, its one drain with the source guessed from its reason.
         */
        static List<JsonNode> drains(JsonNode n) {
            List<JsonNode> out = new java.util.ArrayList<>();
            if (n.path("drains").isArray()) {
                n.path("drains").forEach(out::add);
            } else if (n.path("drain").isObject()) {
                com.fasterxml.jackson.databind.node.ObjectNode d = n.path("drain").deepCopy();
                String reason = d.path("reason").asText();
                d.put("source", reason.equals("lost") ? "lost" : reason.startsWith("epilog failed on ") ? "epilog" : "admin");
                out.add(d);
            }
            return out;
        }

        private JsonNode ask(Families f, String topic, int nodeid, Object body) {
            try {
                return Payloads.tree(client.call(topic, nodeid, body, ASK).payload());
            } catch (RpcException e) {
                f.error(topic);
                return null;
            }
        }
    }

    /** The families of one scrape, each with its data points. */
    private static final class Families {
        private final Map<String, GaugeSnapshot.Builder> gauges = new LinkedHashMap<>();
        private final Map<String, CounterSnapshot.Builder> counters = new LinkedHashMap<>();
        private final Map<String, Integer> errors = new LinkedHashMap<>();

        void gauge(String name, String help, double value, String... labels) {
            gauges.computeIfAbsent(name, n -> GaugeSnapshot.builder().name(n).help(help))
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        }

        void counter(String name, String help, double value, String... labels) {
            counters.computeIfAbsent(name, n -> CounterSnapshot.builder().name(n).help(help))
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels))
                            .build());
        }

        void error(String topic) {
            errors.merge(topic, 1, Integer::sum);
        }

        MetricSnapshots snapshots() {
            errors.forEach((topic, n) -> gauge("canopy_scrape_errors", "Questions to the broker that failed in this "
                    + "scrape, by topic (their metrics are missing from it).", n, "topic", topic));
            List<MetricSnapshot> all = new ArrayList<>();
            gauges.values().forEach(b -> all.add(b.build()));
            counters.values().forEach(b -> all.add(b.build()));
            return new MetricSnapshots(all);
        }
    }
}

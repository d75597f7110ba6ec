package io.canopy.tests.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.canopy.tests.harness.BrokerProcess;
import io.canopy.tests.harness.BrokerProcesses;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceToml;
import io.canopy.tests.harness.Rpc;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [metrics] listen}: the leader serves the instance's numbers in Prometheus text (nodes by
 * state, drains by source and since when, jobs by state and ended by result), every broker its own
 * (uptime, version, messages, links with a round trip, JVM memory). Two brokers, each with its
 * own listen address (same file otherwise: one host each in a real cluster).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MetricsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void theLeaderAndEachBrokerServePrometheusText() throws Exception {
        String base = InstanceToml.loopback(2).calm().render();
        String[] listen = new String[2];
        try (BrokerProcesses brokers = new BrokerProcesses(dir)) {
            BrokerProcess[] b = new BrokerProcess[2];
            for (int r = 0; r < 2; r++) {
                listen[r] = TestInstance.address(r) + ":" + freePort(TestInstance.address(r));
                // a statedir of the test's own: the default /var/lib/canopy may be another instance's
                Path config = brokers.writeConfig("system" + r + ".toml", base + "\n[broker]\nstatedir = \""
                        + dir.resolve("state" + r) + "\"\n[metrics]\nlisten = \"" + listen[r] + "\"\n");
                b[r] = brokers.start("test" + r, config);
            }
            for (BrokerProcess p : b) {
                await(p.host() + " runs").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                        .failFast("broker exited", () -> !p.process().isAlive())
                        .until(() -> Rpc.state(p.socket()).equals("run"));
            }
            Cli owner = b[0].cli();
            await("test1 online at the leader").atMost(PATIENCE).until(() ->
                    value(scrape(listen[0]), "canopy_overlay_child_up{child=\"test1\",rank=\"1\"}") == 1.0);
            assertEquals(0, owner.run("resource", "drain", "test1", "metrics", "test").exitCode());
            Result job = owner.run("run", "true");
            assertEquals(0, job.exitCode(), job::toString);

            String leader = scrape(listen[0]);
            String follower = scrape(listen[1]);

            assertEquals(1.0, value(leader, "canopy_nodes{state=\"avail\"}"), leader);
            assertEquals(1.0, value(leader, "canopy_nodes{state=\"drained\"}"), leader);
            assertEquals(1.0, value(leader, "canopy_drains{source=\"admin\"}"), leader);
            assertTrue(value(leader, "canopy_drain_timestamp_seconds{node=\"test1\",source=\"admin\"}")
                    > System.currentTimeMillis() / 1000.0 - 600, leader);
            assertEquals(1.0, value(leader, "canopy_node_up{node=\"test1\"}"), leader);
            assertEquals(1.0, value(leader, "canopy_jobs_ended_total{result=\"COMPLETED\"}"), leader);
            assertEquals(0.0, value(leader, "canopy_job_queue_length"), leader);
            assertTrue(value(leader, "canopy_overlay_rtt_seconds{child=\"test1\",rank=\"1\"}") > 0, leader);
            assertEquals(1.0, value(leader, "canopy_overlay_child_connects_total{child=\"test1\",rank=\"1\"}"), leader);
            assertTrue(value(leader, "canopy_requests_routed_total") > 0, leader);
            assertTrue(leader.contains("canopy_broker_info{host=\"test0\",rank=\"0\",state=\"run\",version=\""), leader);
            assertTrue(leader.contains("\njvm_memory_used_bytes{area=\"heap\"}"), leader);
            assertFalse(leader.contains("canopy_scrape_errors"), leader);

            assertTrue(follower.contains("canopy_broker_info{host=\"test1\",rank=\"1\",state=\"run\""), follower);
            assertEquals(1.0, value(follower, "canopy_overlay_parent_up"), follower);
            assertFalse(follower.contains("canopy_nodes"), "only the leader reports the instance's nodes");
        }
    }

    private static String scrape(String listen) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + listen + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r::body);
        return r.body();
    }

    /** The value of the sample {@code series} (name and labels as printed); NaN when absent. */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }
}

package io.canopy.tests.harness;

import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The system.toml of an instance a test starts by hand: its hosts (each with its bind and connect
 * URI), fanout, heartbeat settings and certificate. Immutable; {@code with...} returns a changed
 * copy, so a test can derive a misconfigured variant (another certificate, an extra host, another
 * fanout) from the real one.
 *
 * @param hosts     in rank order
 * @param fanout    children per broker
 * @param keepalive heartbeat period
 * @param torpid    silence after which a child is torpid
 * @param lost      silence after which a child is lost
 * @param curveCert the certificate file, or null for none
 */
public record InstanceToml(List<Host> hosts, int fanout, Duration keepalive, Duration torpid, Duration lost,
        Path curveCert) {

    /** One {@code [bootstrap] hosts} entry. */
    public record Host(String name, String bind, String connect) {}

    /** Fast heartbeats, so that loss is seen in seconds: 200 ms, torpid after 1 s, lost after 3 s. */
    public static final Duration KEEPALIVE = Duration.ofMillis(200);
    public static final Duration TORPID = Duration.ofSeconds(1);
    public static final Duration LOST = Duration.ofSeconds(3);

    public InstanceToml {
        hosts = List.copyOf(hosts);
    }

    /**
     * {@code size} hosts {@code test0..}, each on its own loopback address
     * ({@link TestInstance#address}) with a free port, fanout 2, fast heartbeats, no certificate.
     */
    public static InstanceToml loopback(int size) {
        List<Host> hosts = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            String uri = "tcp://" + TestInstance.address(r) + ":" + freePort(TestInstance.address(r));
            hosts.add(new Host("test" + r, uri, uri));
        }
        return new InstanceToml(hosts, 2, KEEPALIVE, TORPID, LOST, null);
    }

    /**
     * Calm heartbeats for tests that do not study loss (500 ms, torpid after 5 s, lost after 15 s),
     * so a loaded machine does not make a busy broker look torpid in the middle of an assertion.
     */
    public InstanceToml calm() {
        return withHeartbeats(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    public InstanceToml withHeartbeats(Duration keep, Duration torp, Duration lostAfter) {
        return new InstanceToml(hosts, fanout, keep, torp, lostAfter, curveCert);
    }

    public InstanceToml withFanout(int f) {
        return new InstanceToml(hosts, f, keepalive, torpid, lost, curveCert);
    }

    public InstanceToml withCurveCert(Path cert) {
        return new InstanceToml(hosts, fanout, keepalive, torpid, lost, cert);
    }

    public InstanceToml withHosts(List<Host> h) {
        return new InstanceToml(h, fanout, keepalive, torpid, lost, curveCert);
    }

    /** The same instance plus one more host at the end (another instance, to its peers). */
    public InstanceToml plusHost(String name) {
        List<Host> more = new ArrayList<>(hosts);
        String uri = "tcp://" + TestInstance.address(hosts.size()) + ":" + freePort(TestInstance.address(hosts.size()));
        more.add(new Host(name, uri, uri));
        return withHosts(more);
    }

    public String host(int rank) {
        return hosts.get(rank).name();
    }

    public int size() {
        return hosts.size();
    }

    /** The TOML text. */
    public String render() {
        StringBuilder t = new StringBuilder("# written by a Canopy acceptance test\n[bootstrap]\n");
        if (curveCert != null) {
            t.append("curve_cert = \"").append(curveCert).append("\"\n");
        }
        t.append("hosts = [\n");
        for (Host h : hosts) {
            t.append("  { host = \"").append(h.name()).append("\", bind = \"").append(h.bind())
                    .append("\", connect = \"").append(h.connect()).append("\" },\n");
        }
        return t.append("]\n\n[tbon]\nfanout = ").append(fanout).append('\n')
                .append("keepalive_period = \"").append(keepalive.toMillis()).append("ms\"\n")
                .append("torpid_timeout = \"").append(torpid.toMillis()).append("ms\"\n")
                .append("lost_timeout = \"").append(lost.toMillis()).append("ms\"\n").toString();
    }

    private static int freePort(String address) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + address, e);
        }
    }
}

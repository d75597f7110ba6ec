package io.canopy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceConfigTest {
    static final Path FILE = Path.of("/etc/canopy/system.toml");

    static InstanceConfig parse(String toml) throws ConfigException {
        return InstanceConfig.parse(toml, FILE);
    }

    @Test
    void theSmallestConfigListsOneHostAndTakesEveryDefault() throws Exception {
        InstanceConfig c = parse("[bootstrap]\nhosts = [ {host = \"mgmt0\"} ]\n");
        assertEquals(FILE, c.source());
        assertEquals(1, c.size());
        assertEquals(new Host(0, "mgmt0", "tcp://*:8050", "tcp://mgmt0:8050", null), c.host(0));
        assertEquals(new Bootstrap(8050, "tcp://*:%p", "tcp://%h:%p", Optional.empty()), c.bootstrap());
        assertEquals(new Tbon(2, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(30)), c.tbon());
        assertEquals(new BrokerSection(Path.of("/run/canopy"), Path.of("/var/lib/canopy"), 1), c.broker());
        assertEquals(new Resource(false), c.resource());
        assertEquals(new JobExec(Optional.empty(), Duration.ofMinutes(5), false), c.jobExec());
        assertEquals(OptionalInt.empty(), c.parentOf(0));
        assertEquals(List.of(), c.childrenOf(0));
    }

    @Test
    void readsEveryKeyOfEveryTable() throws Exception {
        InstanceConfig c = parse("""
                # the whole cluster
                [bootstrap]
                default_port = 9000
                default_bind = "tcp://%h:%p"
                default_connect = "tcp://%h.cluster:%p"
                curve_cert = "/etc/canopy/curve.cert"
                hosts = [
                  { host = "mgmt0", bind = "tcp://*:8050", connect = "tcp://mgmt0:8050" },
                  { host = "login[1-2]", parent = "mgmt0" },
                  { host = "node[01-03]", bind = "ipc:///tmp/%h-%%", connect = "ipc:///tmp/%h-%%", parent = "login1" },
                ]

                [tbon]
                fanout = 3
                keepalive_period = "500ms"
                torpid_timeout = "5s"
                lost_timeout = "2m"

                [broker]
                rundir = "/tmp/canopy/run"
                statedir = "/tmp/canopy/state"
                quorum = 6

                [resource]
                drain_on_lost = true

                [job-exec]
                epilog = "/etc/canopy/epilog"
                epilog_timeout = "90s"
                drain_on_epilog_failure = true
                launcher_socket = "/run/canopy-launch.sock"
                containment = "cgroup-v1"
                """);
        assertEquals(6, c.size());
        assertEquals(List.of(
                new Host(0, "mgmt0", "tcp://*:8050", "tcp://mgmt0:8050", null),
                new Host(1, "login1", "tcp://login1:9000", "tcp://login1.cluster:9000", 0),
                new Host(2, "login2", "tcp://login2:9000", "tcp://login2.cluster:9000", 0),
                new Host(3, "node01", "ipc:///tmp/node01-%", "ipc:///tmp/node01-%", 1),
                new Host(4, "node02", "ipc:///tmp/node02-%", "ipc:///tmp/node02-%", 1),
                new Host(5, "node03", "ipc:///tmp/node03-%", "ipc:///tmp/node03-%", 1)), c.hosts());
        assertEquals(new Bootstrap(9000, "tcp://%h:%p", "tcp://%h.cluster:%p",
                Optional.of(Path.of("/etc/canopy/curve.cert"))), c.bootstrap());
        assertEquals(new Tbon(3, Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofMinutes(2)), c.tbon());
        assertEquals(new BrokerSection(Path.of("/tmp/canopy/run"), Path.of("/tmp/canopy/state"), 6), c.broker());
        assertEquals(new Resource(true), c.resource());
        assertEquals(new JobExec(Optional.of(Path.of("/etc/canopy/epilog")), Duration.ofSeconds(90), true, Duration.ofSeconds(5),
                0, Optional.empty(), Optional.of(Path.of("/run/canopy-launch.sock")), "cgroup-v1"),
                c.jobExec());
    }

    @Test
    void acceptsTheArrayOfTablesSpelling() throws Exception {
        InstanceConfig c = parse("""
                [[bootstrap.hosts]]
                host = "mgmt0"
                [[bootstrap.hosts]]
                host = "node[1-2]"
                connect = "tcp://%h-ib:%p"
                """);
        assertEquals(3, c.size());
        assertEquals("tcp://node2-ib:8050", c.host(2).connect());
    }

    @Test
    void ranksFollowTheExpandedOrder() throws Exception {
        InstanceConfig c = parse("[bootstrap]\nhosts = [ {host = \"b\"}, {host = \"n[3,1,2]\"}, {host = \"a\"} ]");
        assertEquals(List.of("b", "n3", "n1", "n2", "a"), c.hosts().stream().map(Host::name).toList());
        assertEquals(0, c.rankOf("b"));
        assertEquals(1, c.rankOf("n3"));
        assertEquals(3, c.rankOf("n2"));
        assertEquals(4, c.rankOf("a"));
    }

    @Test
    void rankOfAnUnlistedHostSaysHowToFixIt() throws Exception {
        InstanceConfig c = parse("[bootstrap]\nhosts = [ {host = \"node[0-3]\"} ]");
        ConfigException e = assertThrows(ConfigException.class, () -> c.rankOf("login9"));
        assertEquals("bootstrap.hosts", e.key());
        assertEquals(FILE, e.file());
        assertTrue(e.getMessage().startsWith("/etc/canopy/system.toml: bootstrap.hosts: host login9 is not in "
                + "bootstrap.hosts (use --hostname"), e.getMessage());
    }

    @Test
    void hostOutsideTheInstanceIsAnIndexError() throws Exception {
        InstanceConfig c = parse("[bootstrap]\nhosts = [ {host = \"node[0-3]\"} ]");
        assertThrows(IndexOutOfBoundsException.class, () -> c.host(4));
        assertThrows(IndexOutOfBoundsException.class, () -> c.host(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> c.parentOf(4));
        assertThrows(IndexOutOfBoundsException.class, () -> c.routeTowards(0, 4));
    }

    @Test
    void loadReadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("system.toml");
        Files.writeString(file, "[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"b\"} ]\n");
        assertEquals(2, InstanceConfig.load(file).size());
        assertEquals(file, InstanceConfig.load(file).source());

        Files.writeString(file, "[tbon]\nfanout = 0\n");
        ConfigException bad = assertThrows(ConfigException.class, () -> InstanceConfig.load(file));
        assertTrue(bad.getMessage().startsWith(file + ":2: tbon.fanout: "), bad.getMessage());

        Path missing = dir.resolve("nope.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> InstanceConfig.load(missing));
        assertEquals(missing, e.file());
        assertEquals("", e.key());
        assertTrue(e.getMessage().startsWith(missing + ": cannot read the file"), e.getMessage());
        assertTrue(e.getMessage().contains("--config"), e.getMessage());
    }

    @Test
    void testTomlRoundTripsThroughParse() throws Exception {
        List<Integer> ports = List.of(7001, 7002, 7003, 7004, 7005);
        String toml = InstanceConfig.testToml(5, 2, ports, "broker");
        InstanceConfig c = parse(toml);
        assertEquals(5, c.size());
        for (int r = 0; r < 5; r++) {
            Host h = c.host(r);
            assertEquals("broker" + r, h.name());
            assertEquals(r, c.rankOf("broker" + r));
            assertEquals("tcp://127.0.0.1:" + ports.get(r), h.bind());
            assertEquals("tcp://127.0.0.1:" + ports.get(r), h.connect());
            assertEquals(r == 0 ? null : (r - 1) / 2, h.parent());
        }
        assertEquals(2, c.tbon().fanout());
        assertEquals(List.of(1, 2), c.childrenOf(0));
        assertEquals(List.of(3, 4), c.childrenOf(1));
    }

    @Test
    void testTomlOfOneBrokerAndOfAChain() throws Exception {
        assertEquals(1, parse(InstanceConfig.testToml(1, 2, List.of(5000), "t")).size());
        InstanceConfig chain = parse(InstanceConfig.testToml(4, 1, List.of(1, 2, 3, 4), "n1"));
        assertEquals(List.of("n10", "n11", "n12", "n13"), chain.hosts().stream().map(Host::name).toList());
        assertEquals(3, chain.depthOf(3));
    }

    @Test
    void testTomlRefusesArgumentsItCannotWrite() {
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(0, 2, List.of(), "n"));
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(2, 0, List.of(1, 2), "n"));
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(2, 2, List.of(1), "n"));
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(1, 2, List.of(70000), "n"));
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(1, 2, List.of(1), "n[1]"));
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(1, 2, List.of(1), "\"x"));
        assertThrows(IllegalArgumentException.class, () -> InstanceConfig.testToml(1, 2, List.of(1), ""));
    }

    @Test
    void equalFilesGiveEqualConfigs() throws Exception {
        String toml = InstanceConfig.testToml(3, 2, List.of(1, 2, 3), "n");
        assertEquals(parse(toml), parse(toml));
        assertEquals(parse(toml).hashCode(), parse(toml).hashCode());
        assertNotEquals(parse(toml), parse(InstanceConfig.testToml(3, 1, List.of(1, 2, 3), "n")));
    }

    @Test
    void theConfigIsImmutable() throws Exception {
        InstanceConfig c = parse(InstanceConfig.testToml(3, 2, List.of(1, 2, 3), "n"));
        assertThrows(UnsupportedOperationException.class, () -> c.hosts().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.childrenOf(0).clear());
    }

    @Test
    void recordsCheckTheirOwnInvariants() throws Exception {
        InstanceConfig c = parse(InstanceConfig.testToml(3, 2, List.of(1, 2, 3), "n"));
        List<Host> rewired = List.of(c.host(0), c.host(1), new Host(2, "n2", "tcp://x:1", "tcp://x:1", 1));
        assertFalse(c.topology().equals(Topology.of(rewired)));
        assertThrows(IllegalArgumentException.class, () -> new InstanceConfig(FILE, rewired, c.bootstrap(), c.tbon(),
                c.broker(), c.resource(), c.jobExec(), c.metrics(), c.jobManager(), c.topology()));
        assertEquals(1, new InstanceConfig(FILE, rewired, c.bootstrap(), c.tbon(), c.broker(), c.resource(),
                c.jobExec()).parentOf(2).getAsInt());
        assertThrows(IllegalArgumentException.class, () -> new Host(0, "a", "b", "c", 1));
        assertThrows(IllegalArgumentException.class, () -> new Host(1, "a", "b", "c", null));
        assertThrows(IllegalArgumentException.class, () -> new Host(1, "a", "b", "c", 1));
        assertThrows(IllegalArgumentException.class, () -> new Tbon(0, Duration.ZERO, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new BrokerSection(Path.of("/"), Path.of("/"), 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Bootstrap(0, "tcp://*:%p", "tcp://%h:%p", Optional.empty()));
        assertNull(c.host(0).parent());
    }
}

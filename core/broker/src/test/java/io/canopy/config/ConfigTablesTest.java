package io.canopy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration as tables with its defaults, and which changes a reload can apply. */
class ConfigTablesTest {
    private static final Path FILE = Path.of("system.toml");
    private static final String HOSTS = "[bootstrap]\nhosts = [ {host = \"mgmt0\"}, {host = \"node[1-3]\"} ]\n";

    private static Map<String, Object> tables(String toml) throws ConfigException {
        return ConfigTables.of(InstanceConfig.parse(toml, FILE));
    }

    @Test
    void everyKeyHasItsValueInForceAndDurationsReadBackTheSame() throws ConfigException {
        Map<String, Object> t = tables(HOSTS + "[tbon]\nkeepalive_period = \"1500ms\"\n");

        Map<?, ?> tbon = (Map<?, ?>) t.get("tbon");
        assertEquals(2, tbon.get("fanout"));
        assertEquals("10s", tbon.get("torpid_timeout"));
        assertEquals("1500ms", tbon.get("keepalive_period"));
        assertEquals("5m", ((Map<?, ?>) t.get("job-exec")).get("epilog_timeout"));
        assertEquals("mgmt0", ((Map<?, ?>) ((List<?>) ((Map<?, ?>) t.get("bootstrap")).get("hosts")).get(1)).get("parent"));
    }

    @Test
    void runtimeTablesAreAppliedAndTheRestWaitsForARestart() throws ConfigException {
        Map<String, Object> running = tables(HOSTS);
        Map<String, Object> file = tables(HOSTS.replace("node[1-3]", "node[1-4]")
                + "[tbon]\nfanout = 3\n[resource]\nexclude = \"mgmt0\"\n[job-exec]\nkill_timeout = \"9s\"\ncores = 4\n");

        ConfigTables.Changes c = ConfigTables.changes(running, file);
        Map<String, Object> after = ConfigTables.applyRuntime(running, file);

        assertEquals(List.of("job-exec.kill_timeout", "resource.exclude"), c.applied());
        assertEquals(List.of("bootstrap.hosts.length", "bootstrap.hosts[3].parent", "bootstrap.hosts[4].bind", "bootstrap.hosts[4].connect",
                "bootstrap.hosts[4].host", "bootstrap.hosts[4].parent", "bootstrap.hosts[4].rank", "job-exec.cores",
                "tbon.fanout"), c.restart());
        assertEquals("mgmt0", ((Map<?, ?>) after.get("resource")).get("exclude"));
        assertEquals("9s", ((Map<?, ?>) after.get("job-exec")).get("kill_timeout"));
        assertEquals(0, ((Map<?, ?>) after.get("job-exec")).get("cores"), "cores waits for a restart");
        assertEquals(2, ((Map<?, ?>) after.get("tbon")).get("fanout"));
        assertEquals(List.of(), ConfigTables.changes(after, file).applied(), "nothing left to apply");
    }
}

package io.canopy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a configuration can be wrong, and that each error names the file, the key and a fix. */
class InstanceConfigErrorsTest {
    private static final Path FILE = Path.of("/etc/canopy/system.toml");
    private static final String HOSTS = "[bootstrap]\nhosts = [ {host = \"mgmt0\"}, {host = \"node[1-3]\"} ]\n";

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                // file level
                arguments("[bootstrap\nhosts = 1", "", "not valid TOML: line 1", "correct the TOML syntax"),
                arguments("a = \"x\"\na = \"y\"", "", "Duplicate key", "correct the TOML syntax"),
                // tables and keys
                arguments(HOSTS + "[tbonn]\nfanout = 2", "tbonn", "unknown key at the top level",
                        "valid keys are: bootstrap, tbon, broker, resource, job-exec"),
                arguments("fanout = 2\n" + HOSTS, "fanout", "unknown key", "valid keys are: bootstrap, tbon"),
                arguments(HOSTS + "[tbon]\nfanout = 2\nfan_out = 3", "tbon.fan_out", "unknown key in [tbon]",
                        "valid keys are: fanout, keepalive_period, torpid_timeout, lost_timeout"),
                arguments(HOSTS + "default_prot = 1", "bootstrap.default_prot", "unknown key in [bootstrap]",
                        "valid keys are: hosts, default_port, default_bind, default_connect, curve_cert"),
                arguments(HOSTS + "[broker]\nrun_dir = \"/x\"", "broker.run_dir", "unknown key", "rundir, statedir"),
                arguments(HOSTS + "[resource]\ndrain = true", "resource.drain", "unknown key", "drain_on_lost"),
                arguments(HOSTS + "[job-exec]\nprolog = \"/x\"", "job-exec.prolog", "unknown key",
                        "epilog, epilog_timeout, drain_on_epilog_failure"),
                arguments("tbon = 3\n" + HOSTS, "tbon", "expected a table, got the integer 3", "write it as [tbon]"),
                // bootstrap.hosts
                arguments("[bootstrap]\ndefault_port = 8050", "bootstrap.hosts", "no hosts are listed",
                        "list the instance's hosts"),
                arguments("", "bootstrap.hosts", "no hosts are listed", "e.g. hosts = ["),
                arguments("[bootstrap]\nhosts = []", "bootstrap.hosts", "no hosts are listed", "leader first"),
                arguments("[bootstrap]\nhosts = \"node[1-3]\"", "bootstrap.hosts",
                        "expected an array of tables, got the string", "write hosts = ["),
                arguments("[bootstrap]\nhosts = [\"node1\"]", "bootstrap.hosts[0]", "expected a table", "write hosts"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {bind = \"tcp://*:1\"} ]", "bootstrap.hosts[1].host",
                        "the entry has no host", "give each entry a host name"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {hots = \"b\"} ]", "bootstrap.hosts[1].hots",
                        "unknown key in [bootstrap.hosts[1]]", "valid keys are: host, bind, connect, parent"),
                arguments("[bootstrap]\nhosts = [ {host = 7} ]", "bootstrap.hosts[0].host",
                        "expected a string, got the integer 7", "double quotes"),
                arguments("[bootstrap]\nhosts = [ {host = \"\"} ]", "bootstrap.hosts[0].host", "is empty",
                        "give a value"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"node[3-1]\"} ]", "bootstrap.hosts[1].host",
                        "invalid hostlist \"node[3-1]\": range 3-1", "write a host name or a hostlist"),
                arguments("[bootstrap]\nhosts = [ {host = \"node[\"} ]", "bootstrap.hosts[0].host", "never closed",
                        "hostlist such as node[1-16]"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"node[1-3]\"}, {host = \"node2\"} ]",
                        "bootstrap.hosts[2].host", "host node2 is already listed in bootstrap.hosts[1]",
                        "list each host once"),
                arguments("[bootstrap]\nhosts = [ {host = \"a,b,a\"} ]", "bootstrap.hosts[0].host",
                        "host a appears more than once", "hostlist"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\", bind = \"tcp://*:%q\"} ]", "bootstrap.hosts[0].bind",
                        "unknown escape %q", "use %h for the host name, %p for the port"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\", connect = \"tcp://a:80%\"} ]",
                        "bootstrap.hosts[0].connect", "unknown escape %", "%% for a percent sign"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\", connect = \"a:8050\"} ]", "bootstrap.hosts[0].connect",
                        "is not a tcp://, ipc:// or inproc:// URI", "tcp://%h:%p"),
                // bootstrap defaults
                arguments(HOSTS + "default_port = \"8050\"", "bootstrap.default_port",
                        "expected an integer, got the string \"8050\"", "write e.g. default_port = 8050"),
                arguments(HOSTS + "default_port = 70000", "bootstrap.default_port", "70000 is out of range",
                        "from 1 to 65535"),
                arguments(HOSTS + "default_port = 1.5", "bootstrap.default_port", "got the number 1.5", "write e.g."),
                arguments(HOSTS + "default_bind = \"*:%p\"", "bootstrap.default_bind", "not a tcp://", "tcp://*:%p"),
                arguments(HOSTS + "default_connect = \"tcp://%x:%p\"", "bootstrap.default_connect", "unknown escape %x",
                        "%h"),
                arguments(HOSTS + "curve_cert = true", "bootstrap.curve_cert", "expected a string, got the boolean",
                        "double quotes"),
                arguments(HOSTS + "curve_cert = \"a\\u0000b\"", "bootstrap.curve_cert", "is not a valid path",
                        "give a file system path"),
                // parents
                arguments("[bootstrap]\nhosts = [ {host = \"a\", parent = \"b\"}, {host = \"b\"} ]",
                        "bootstrap.hosts[0].parent", "host a is rank 0, the leader, and cannot have a parent",
                        "remove parent"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"b\", parent = \"zz\"} ]",
                        "bootstrap.hosts[1].parent", "parent zz is not a host in bootstrap.hosts",
                        "name a host listed in bootstrap.hosts"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"b\", parent = \"b\"} ]",
                        "bootstrap.hosts[1].parent", "host b names itself as its parent", "name another host"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"b\", parent = \"c\"}, "
                        + "{host = \"c\", parent = \"b\"} ]", "bootstrap.hosts[1].parent",
                        "parents form a cycle: b -> c -> b", "make every chain of parents end at rank 0 (a)"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"b\", parent = \"d\"}, {host = \"c\"}, "
                        + "{host = \"d\"} ]\n[tbon]\nfanout = 2", "bootstrap.hosts[1].parent",
                        "parents form a cycle: b -> d -> b", "end at rank 0"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"n[1-3]\", parent = \"n9\"}, "
                        + "{host = \"n9\", parent = \"n3\"} ]", "bootstrap.hosts[1].parent",
                        "parents form a cycle: n3 -> n9 -> n3", "end at rank 0"),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {host = \"b\", parent = 0} ]",
                        "bootstrap.hosts[1].parent", "expected a string, got the integer 0", "double quotes"),
                // tbon
                arguments(HOSTS + "[tbon]\nfanout = 0", "tbon.fanout", "0 is out of range", "from 1 to 2147483647"),
                arguments(HOSTS + "[tbon]\nfanout = -2", "tbon.fanout", "-2 is out of range", "from 1"),
                arguments(HOSTS + "[tbon]\nfanout = 99999999999", "tbon.fanout", "is out of range", "from 1"),
                arguments(HOSTS + "[tbon]\nfanout = \"2\"", "tbon.fanout", "expected an integer, got the string \"2\"",
                        "write e.g. fanout = 2"),
                arguments(HOSTS + "[tbon]\nkeepalive_period = \"soon\"", "tbon.keepalive_period",
                        "\"soon\" is not a duration", "e.g. \"500ms\", \"5s\", \"2m\""),
                arguments(HOSTS + "[tbon]\nkeepalive_period = 2", "tbon.keepalive_period",
                        "expected a duration string, got the integer 2", "keepalive_period = \"5s\""),
                arguments(HOSTS + "[tbon]\nkeepalive_period = \"0s\"", "tbon.keepalive_period",
                        "must be longer than zero", "positive duration"),
                arguments(HOSTS + "[tbon]\nkeepalive_period = \"-1s\"", "tbon.keepalive_period",
                        "is not a duration", "with a unit"),
                arguments(HOSTS + "[tbon]\nkeepalive_period = \"10s\"", "tbon.keepalive_period",
                        "keepalive_period (10.0s) must be shorter than torpid_timeout (10.0s)",
                        "make tbon.keepalive_period shorter or tbon.torpid_timeout longer"),
                arguments(HOSTS + "[tbon]\ntorpid_timeout = \"1s\"", "tbon.torpid_timeout",
                        "keepalive_period (2.0s) must be shorter than torpid_timeout (1.0s)", "torpid_timeout longer"),
                arguments(HOSTS + "[tbon]\nlost_timeout = \"5s\"", "tbon.lost_timeout",
                        "torpid_timeout (10.0s) must be shorter than lost_timeout (5.0s)", "lost_timeout longer"),
                arguments(HOSTS + "[tbon]\ntorpid_timeout = \"1m\"", "tbon.torpid_timeout",
                        "must be shorter than lost_timeout", "make tbon.torpid_timeout shorter"),
                // broker
                arguments(HOSTS + "[broker]\nquorum = 5", "broker.quorum",
                        "quorum 5 is more than the 4 brokers listed in bootstrap.hosts", "use a number from 1 to 4"),
                arguments(HOSTS + "[broker]\nquorum = 0", "broker.quorum", "0 is out of range", "from 1"),
                arguments(HOSTS + "[broker]\nquorum = \"all\"", "broker.quorum", "expected an integer", "quorum = 1"),
                arguments(HOSTS + "[broker]\nrundir = 5", "broker.rundir", "expected a string", "double quotes"),
                arguments(HOSTS + "[broker]\nstatedir = \"\"", "broker.statedir", "is empty", "leave the key out"),
                // resource, job-exec
                arguments(HOSTS + "[resource]\ndrain_on_lost = \"yes\"", "resource.drain_on_lost",
                        "expected true or false, got the string \"yes\"", "without quotes"),
                arguments(HOSTS + "[job-exec]\nepilog = [\"/bin/true\"]", "job-exec.epilog",
                        "expected a string, got an array", "double quotes"),
                arguments(HOSTS + "[job-exec]\nepilog_timeout = \"5 minutes\"", "job-exec.epilog_timeout",
                        "is not a duration", "\"2m\""),
                arguments(HOSTS + "[job-exec]\ndrain_on_epilog_failure = 1", "job-exec.drain_on_epilog_failure",
                        "expected true or false, got the integer 1", "drain_on_epilog_failure = true"),
                arguments(HOSTS + "[job-exec]\nepilog = \"epilog.sh\"", "job-exec.epilog",
                        "\"epilog.sh\" is not an absolute path", "starting with /"),
                arguments(HOSTS + "[job-exec]\nlauncher = \"canopy-launch\"", "job-exec.launcher",
                        "\"canopy-launch\" is not an absolute path", "starting with /"),
                arguments(HOSTS + "[job-exec]\nlauncher_socket = \"run/x.sock\"", "job-exec.launcher_socket",
                        "is not an absolute path", "starting with /"),
                arguments(HOSTS + "[job-exec]\ncontainment = \"cgroups\"", "job-exec.containment",
                        "\"cgroups\" is not one of auto, cgroup-v2, cgroup-v1, process-group",
                        "containment = \"auto\""),
                // resource.exclude: one bad entry is an error, never a silently shorter (or empty) list
                arguments(HOSTS + "[resource]\nexclude = \"mgmt0,svc1\"", "resource.exclude",
                        "unknown host(s) svc1: not in bootstrap.hosts", "name only hosts listed in bootstrap.hosts"),
                arguments(HOSTS + "[resource]\nexclude = \"node[3-5]\"", "resource.exclude",
                        "unknown host(s) node[4-5]", "or ranks 0-3"),
                arguments(HOSTS + "[resource]\nexclude = \"0,7-8\"", "resource.exclude",
                        "rank(s) 7-8 out of range: bootstrap.hosts lists ranks 0-3", "name ranks from 0 to 3"),
                arguments(HOSTS + "[resource]\nexclude = \"0-\"", "resource.exclude", "is not a set of ranks",
                        "write ranks such as"),
                arguments(HOSTS + "[resource]\nexclude = \"node[1-\"", "resource.exclude", "is not a hostlist",
                        "write hosts such as"),
                // the reboot command and the health check: a program by absolute path, words, no shell
                arguments(HOSTS + "[resource]\nreboot_command = \"systemctl reboot\"", "resource.reboot_command",
                        "\"systemctl\" is not an absolute path", "/usr/bin/systemctl reboot"),
                arguments(HOSTS + "[resource]\nhealth_check = \"/usr/sbin/nhc\\t-q\"", "resource.health_check",
                        "holds a control character", "no shell, quotes or variables"),
                arguments(HOSTS + "[resource]\nhealth_check = \"/x" + " a".repeat(40) + "\"", "resource.health_check",
                        "has more than 32 words", "write a script for more"),
                arguments(HOSTS + "[resource]\nreboot_command = \"/usr/bin/systemctl reboot\"\n[job-exec]\n"
                        + "launcher_socket = \"/run/canopy-launch.sock\"", "resource.reboot_command",
                        "not used with job-exec.launcher_socket", "canopy-launch@.service --reboot-command="),
                arguments(HOSTS + "[resource]\nreboot_timeout = \"0s\"", "resource.reboot_timeout",
                        "must be longer than zero", "positive duration"),
                arguments(HOSTS + "[resource]\nundrain_on_return = \"yes\"", "resource.undrain_on_return",
                        "expected true or false", "without quotes"),
                arguments(HOSTS + "[resource]\nexclude = [\"mgmt0\"]", "resource.exclude",
                        "expected a string, got an array", "double quotes"),
                // metrics
                arguments(HOSTS + "[metrics]\nlisten = \"9091\"", "metrics.listen", "\"9091\" has no port",
                        "write HOST:PORT or :PORT"),
                arguments(HOSTS + "[metrics]\nlisten = \":http\"", "metrics.listen", "\"http\" is not a port number",
                        ":9091"),
                arguments(HOSTS + "[metrics]\nlisten = \":70000\"", "metrics.listen", "port 70000 is out of range",
                        "from 1 to 65535"),
                arguments(HOSTS + "[metrics]\nlisten = 9091", "metrics.listen", "expected a string", "double quotes"),
                arguments(HOSTS + "[metrics]\nport = 9091", "metrics.port", "unknown key in [metrics]",
                        "valid keys are: listen"),
                // job-manager
                arguments(HOSTS + "[job-manager]\ninactive_limit = 0", "job-manager.inactive_limit",
                        "0 is out of range", "from 1 to 10000000"),
                arguments(HOSTS + "[job-manager]\ninactive_limit = \"lots\"", "job-manager.inactive_limit",
                        "expected an integer", "inactive_limit = 10000"),
                arguments(HOSTS + "[job-manager]\ninactive_age = \"7d\"", "job-manager.inactive_age",
                        "unknown key in [job-manager]", "valid keys are: inactive_limit"));
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void errorNamesTheFileTheKeyAndAFix(String toml, String key, String problem, String fix) {
        ConfigException e = assertThrows(ConfigException.class, () -> InstanceConfig.parse(toml, FILE));
        assertEquals(FILE, e.file());
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.problem().contains(problem), "problem: " + e.problem());
        assertTrue(e.fix().contains(fix), "fix: " + e.fix());
        String place = e.line() > 0 ? FILE + ":" + e.line() : FILE.toString();
        String where = key.isEmpty() ? place + ": " : place + ": " + key + ": ";
        assertEquals(where + e.problem() + " (" + e.fix() + ")", e.getMessage());
    }

    static Stream<Arguments> placedErrors() {
        String hosts = "# the instance\n[bootstrap]\nhosts = [\n  { host = \"mgmt0\" },\n  { host = \"node[1-3]\" },\n"
                + "  { host = \"node9\", parent = \"zz\" },\n]\n";
        return Stream.of(
                arguments(hosts + "[tbon]\nfanout = 2\nfan_out = 3\n", "tbon.fan_out", 10),
                arguments(hosts + "\n[resource]\n# service nodes\nexclude = \"mgmt0,svc1\"\n", "bootstrap.hosts[2].parent", 6),
                arguments(hosts.replace(", parent = \"zz\"", "") + "\n[resource]\n# service nodes\nexclude = \"mgmt0,svc1\"\n",
                        "resource.exclude", 11),
                arguments(hosts.replace(", parent = \"zz\"", "") + "[tbonn]\nfanout = 2\n", "tbonn", 8),
                arguments("fanout = 2\n" + hosts, "fanout", 1),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"}, {hots = \"b\"} ]\n", "bootstrap.hosts[1].hots", 2),
                arguments("[bootstrap]\nhosts = [\n  {host = \"a\"},\n  {host = 7},\n]\n", "bootstrap.hosts[1].host", 4),
                arguments("[bootstrap]\ndefault_port = 8050\n", "bootstrap.hosts", 1),
                arguments("[bootstrap]\nhosts = [ {host = \"a\"} ]\n[job-exec]\nepilog_timeout = \"soon\" # oops\n",
                        "job-exec.epilog_timeout", 4));
    }

    @ParameterizedTest
    @MethodSource("placedErrors")
    void errorNamesTheLineOfTheKey(String toml, String key, int line) {
        ConfigException e = assertThrows(ConfigException.class, () -> InstanceConfig.parse(toml, FILE));
        assertEquals(key, e.key(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith(FILE + ":" + line + ": " + key + ": "), e.getMessage());
    }

    @Test
    void excludeResolvesHostsAndRanksToRanks() throws ConfigException {
        InstanceConfig byHost = InstanceConfig.parse(HOSTS + "[resource]\nexclude = \"mgmt0,node[2-3]\"", FILE);
        InstanceConfig byRank = InstanceConfig.parse(HOSTS + "[resource]\nexclude = \"0,2-3\"", FILE);
        InstanceConfig empty = InstanceConfig.parse(HOSTS + "[resource]\nexclude = \"\"", FILE);
        InstanceConfig metrics = InstanceConfig.parse(HOSTS + "[metrics]\nlisten = \":9091\"", FILE);
        assertEquals(new Metrics("0.0.0.0", 9091), metrics.metrics());
        assertEquals(Metrics.off(), byHost.metrics());
        InstanceConfig kept = InstanceConfig.parse(HOSTS + "[job-manager]\ninactive_limit = 200000", FILE);
        assertEquals(200_000, kept.jobManager().inactiveLimit());
        assertEquals(java.util.Map.of("inactive_limit", "200000"), kept.jobManager().moduleArgs());
        assertEquals(JobManager.defaults(), byHost.jobManager());
        assertEquals(10_000, byHost.jobManager().inactiveLimit());

        assertEquals("0,2-3", byHost.resource().excludeRanks().toString());
        assertEquals("0,2-3", byRank.resource().excludeRanks().toString());
        assertTrue(empty.resource().excludeRanks().isEmpty());
    }

    @Test
    void messageRendersFileKeyProblemAndFix() {
        ConfigException e = new ConfigException(Path.of("x.toml"), "tbon.fanout", "0 is out of range",
                "use a whole number from 1");
        assertEquals("x.toml: tbon.fanout: 0 is out of range (use a whole number from 1)", e.getMessage());
        ConfigException whole = new ConfigException(Path.of("x.toml"), "", "cannot read", "check it");
        assertEquals("x.toml: cannot read (check it)", whole.getMessage());
    }

    @Test
    void syntaxErrorsKeepTheirCause() {
        ConfigException e = assertThrows(ConfigException.class, () -> InstanceConfig.parse("x = ", FILE));
        assertTrue(e.getCause() != null);
        assertTrue(e.getMessage().startsWith(FILE + ":1: not valid TOML: line 1"), e.getMessage());
    }
}

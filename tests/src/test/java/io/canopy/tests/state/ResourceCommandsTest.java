package io.canopy.tests.state;

import static io.canopy.tests.state.StateCheck.drain;
import static io.canopy.tests.state.StateCheck.drainListLine;
import static io.canopy.tests.state.StateCheck.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.local.PeerCredentials;
import io.canopy.tests.harness.Cli;
import io.canopy.tests.harness.Cli.Result;
import io.canopy.tests.harness.InstanceFixture;
import io.canopy.tests.harness.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code canopy resource drain|undrain|status} and {@code canopy shutdown} as an operator and as a
 * user meet them: who may change the drain state, how wrong targets are refused without changing
 * anything, what draining twice does (as flux: an error unless --force or --update), that excluded
 * nodes show as {@code exclude} and cannot be drained, the status views ({@code -s}, {@code -o}),
 * and that every broker answers for the leader. One instance of four brokers (rank 0 with leaves
 * 1 and 2, rank 3 under 1; rank 3 excluded) for the class; each test leaves nothing drained.
 * The user tests run {@code bin/canopy} as {@code nobody} through setpriv, and are skipped unless
 * this runs as root with setpriv at hand and a checkout nobody can read.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ResourceCommandsTest {
    private static InstanceFixture instance;
    private static Cli owner;
    private static String cannotRunAsNobody;

    @BeforeAll
    static void startInstance() throws IOException {
        cannotRunAsNobody = whyNotAsNobody();
        instance = InstanceFixture.start(4, 2, null, java.time.Duration.ofSeconds(3),
                "[resource]\nexclude = \"test3\"\n");
        owner = instance.cli();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    @AfterEach
    void undrainAll() {
        StateCheck.undrainAll(instance);
    }

    @Test
    void userMayNotDrain() {
        Result r = nobody().run("resource", "drain", "1", "not", "mine");

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: permission denied: owner role required for resource.drain", r.stderr().strip());
        assertTrue(drain(owner, 1).isNull(), "rank 1 was drained by a user");
    }

    @Test
    void userMayNotUndrain() {
        ok(owner, "resource", "drain", "1", "owner's", "drain");

        Result r = nobody().run("resource", "undrain", "1");

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: permission denied: owner role required for resource.undrain", r.stderr().strip());
        assertEquals("owner's drain", drain(owner, 1).path("reason").asText());
    }

    @Test
    void userMayNotShutDownTheInstance() {
        Result r = nobody().run("shutdown");

        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("canopy: permission denied: owner role required for shutdown.start", r.stderr().strip());
        for (int rank = 0; rank < instance.size(); rank++) {
            assertEquals("run", StateCheck.brokerState(instance.cli(rank)), "rank " + rank);
        }
    }

    @Test
    void userMayReadResourceStatus() {
        ok(owner, "resource", "drain", "2", "for", "users", "to", "see");

        Result json = ok(nobody(), "resource", "status", "--json");
        Result text = ok(nobody(), "resource", "status");

        assertEquals(4, json.json().path("nodes").size(), json::toString);
        assertEquals("for users to see", json.json().path("nodes").get(2).path("drain").path("reason").asText(),
                json::toString);
        assertTrue(text.lines().contains(String.format("%10s %2s %6d %-20s %-7s %s", "drained", "y", 1, "test2",
                "admin", "for users to see")), text::toString);
    }

    @Test
    void unknownRanksAreErrorsNamingThemAndChangeNothing() {
        Result drain = owner.run("resource", "drain", "1,7-8", "too", "far");
        ok(owner, "resource", "drain", "1", "kept");
        Result undrain = owner.run("resource", "undrain", "1,9");

        assertEquals(1, drain.exitCode(), drain::toString);
        assertEquals("canopy: no such rank(s): 7,8 (this instance has ranks 0-3); nothing was changed",
                drain.stderr().strip());
        assertEquals(1, undrain.exitCode(), undrain::toString);
        assertEquals("canopy: no such rank(s): 9 (this instance has ranks 0-3); nothing was changed",
                undrain.stderr().strip());
        assertEquals("kept", drain(owner, 1).path("reason").asText(), "rank 1 is drained as before");
        assertTrue(drain(owner, 2).isNull());
    }

    @Test
    void unknownHostsAreErrorsNamingThemAndChangeNothing() {
        Result drain = owner.run("resource", "drain", "test[1-5]", "too", "far");
        ok(owner, "resource", "drain", "test1", "kept");
        Result undrain = owner.run("resource", "undrain", "test1,node7");

        assertEquals(1, drain.exitCode(), drain::toString);
        assertEquals("canopy: unknown host(s): test[4-5]; nothing was changed", drain.stderr().strip());
        assertEquals(1, undrain.exitCode(), undrain::toString);
        assertEquals("canopy: unknown host(s): node7; nothing was changed", undrain.stderr().strip());
        assertEquals("kept", drain(owner, 1).path("reason").asText(), "rank 1 is drained as before");
        assertTrue(drain(owner, 2).isNull());
    }

    @Test
    void drainingADrainedNodeIsAnErrorAndChangesNothing() {
        ok(owner, "resource", "drain", "1", "first", "reason");
        JsonNode first = drain(owner, 1);

        Result again = owner.run("resource", "drain", "1-2", "second", "reason");

        assertEquals(1, again.exitCode(), again::toString);
        assertEquals("canopy: test1 (rank 1) already drained (reason: first reason); nothing was changed (use "
                + "--force to replace the reason, or --update to leave drained nodes as they are)",
                again.stderr().strip());
        assertEquals(first, drain(owner, 1), "rank 1 keeps its first drain record");
        assertTrue(drain(owner, 2).isNull(), "rank 2 was not drained: the request failed as a whole");
    }

    @Test
    void updateLeavesDrainedNodesAsTheyAre() {
        ok(owner, "resource", "drain", "1", "first", "reason");
        JsonNode first = drain(owner, 1);

        Result updated = owner.run("resource", "drain", "--update", "1-2", "second", "reason");

        assertEquals(0, updated.exitCode(), updated::toString);
        assertEquals("", updated.stderr(), updated::toString);
        assertEquals(first, drain(owner, 1), "rank 1 keeps its first drain record");
        assertEquals("second reason", drain(owner, 2).path("reason").asText(), "rank 2 was not drained before");
    }

    @Test
    void forceReplacesTheReasonAndKeepsTheTimeUnlessGivenTwice() {
        ok(owner, "resource", "drain", "1", "first", "reason");
        JsonNode first = drain(owner, 1);

        Result forced = owner.run("resource", "drain", "--force", "1", "second", "reason");

        assertEquals(0, forced.exitCode(), forced::toString);
        assertEquals("", forced.stderr(), forced::toString);
        JsonNode replaced = drain(owner, 1);
        assertEquals("second reason", replaced.path("reason").asText(), replaced::toString);
        assertEquals(first.path("time"), replaced.path("time"), "-f keeps when it was drained");

        ok(owner, "resource", "drain", "-ff", "1", "third", "reason");
        JsonNode again = drain(owner, 1);
        assertEquals("third reason", again.path("reason").asText(), again::toString);
        assertTrue(again.path("time").asDouble() > first.path("time").asDouble(), "-ff replaces the time: " + again);
    }

    @Test
    void forceAndUpdateTogetherAreAUsageError() {
        Result r = owner.run("resource", "drain", "--force", "--update", "1", "which");

        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("only one of --force and --update may be given"), r::toString);
        assertTrue(drain(owner, 1).isNull());
    }

    @Test
    void excludedNodesShowAsExcludeAndCannotBeDrained() {
        Result drain = owner.run("resource", "drain", "test[2-3]", "by", "mistake");
        Result forced = owner.run("resource", "drain", "--force", "3", "by", "mistake");
        Result status = ok(owner, "resource", "status");

        assertEquals(1, drain.exitCode(), drain::toString);
        assertEquals("canopy: test3 (rank 3) excluded by [resource] exclude: it runs no jobs, so there is nothing "
                + "to drain; nothing was changed (remove it from exclude in system.toml and `canopy config reload` "
                + "to schedule there)", drain.stderr().strip());
        assertEquals(1, forced.exitCode(), forced::toString);
        assertTrue(drain(owner, 2).isNull(), "rank 2 was not drained: the request failed as a whole");
        assertTrue(status.lines().contains(String.format("%10s %2s %6d %s", "exclude", "y", 1, "test3")), status::toString);
        assertTrue(status.lines().contains(String.format("%10s %2s %6d %s", "avail", "y", 3, "test[0-2]")),
                status::toString);
        Result list = ok(owner, "resource", "list");
        assertTrue(list.lines().contains(String.format("%6s %6d %s", "free", 3, "test[0-2]")), list::toString);
    }

    @Test
    void statusShowsOnlyTheStatesAskedForInTheFormatAskedFor() {
        ok(owner, "resource", "drain", "2", "bad", "fan");

        Result drained = ok(owner, "resource", "status", "-s", "drain,exclude", "-o",
                "{state:<8} {nnodes:>2} {ranks:<4} {nodelist} {reason}");
        Result bare = ok(owner, "resource", "status", "-s", "avail", "-n", "-o", "{nodelist}");
        Result json = ok(owner, "resource", "status", "-s", "drained", "--json");

        assertEquals(List.of("STATE    NNODES RANKS NODELIST REASON", "exclude   1 3    test3",
                "drained   1 2    test2 bad fan"), drained.lines(), drained::toString);
        assertEquals(List.of("test[0-1]"), bare.lines(), bare::toString);
        assertEquals(1, json.json().path("nodes").size(), json::toString);
        assertEquals(2, json.json().path("nodes").get(0).path("rank").asInt(), json::toString);
    }

    @Test
    void badStatesAndFormatsAreUsageErrorsThatListTheValidOnes() {
        Result state = owner.run("resource", "status", "-s", "avail,broken");
        Result field = owner.run("resource", "status", "-o", "{state} {colour}");
        Result help = ok(owner, "resource", "status", "-s", "help");

        assertEquals(2, state.exitCode(), state::toString);
        assertEquals("canopy: unknown state 'broken' in --states (valid states: avail, exclude, draining, drained, "
                + "torpid, lost, offline, drain, all)", state.stderr().strip());
        assertEquals(2, field.exitCode(), field::toString);
        assertEquals("canopy: --format: unknown field 'colour' (valid fields: state, statex, status, up, nnodes, "
                + "ranks, nodelist, timestamp, user, source, jobs, reason)", field.stderr().strip());
        assertEquals("valid states: avail,exclude,draining,drained,torpid,lost,offline,drain,all",
                help.stdout().strip());
    }

    @Test
    void undrainingANodeNotDrainedIsAnErrorAndChangesNothing() {
        ok(owner, "resource", "drain", "1", "still", "drained");

        Result notDrained = owner.run("resource", "undrain", "2");
        Result mixed = owner.run("resource", "undrain", "1-2");

        assertEquals(1, notDrained.exitCode(), notDrained::toString);
        assertEquals("canopy: test2 (rank 2) not drained; nothing was changed", notDrained.stderr().strip());
        assertEquals(1, mixed.exitCode(), mixed::toString);
        assertEquals("canopy: test2 (rank 2) not drained; nothing was changed", mixed.stderr().strip());
        assertEquals("still drained", drain(owner, 1).path("reason").asText(), "rank 1 is drained as before");
    }

    @Test
    void everyBrokerAnswersResourceCommandsForTheLeader() {
        Cli leaf = instance.cli(2);

        Result drained = leaf.run("resource", "drain", "1", "from", "a", "leaf");
        assertEquals(0, drained.exitCode(), drained::toString);
        JsonNode d = drain(leaf, 1);
        assertEquals(d, drain(owner, 1), "the leaf shows the leader's record");
        assertEquals("from a leaf", d.path("reason").asText(), d::toString);
        Result list = ok(leaf, "resource", "drain");
        assertEquals(drainListLine(d, "test1"), list.lines().get(1), list::toString);
        Result undrained = leaf.run("resource", "undrain", "1");

        assertEquals(0, undrained.exitCode(), undrained::toString);
        assertTrue(drain(owner, 1).isNull(), "rank 1 is undrained");
    }

    /** {@code bin/canopy} as user nobody, or the test is skipped saying why it cannot be. */
    private static Cli nobody() {
        assumeTrue(cannotRunAsNobody == null, () -> cannotRunAsNobody);
        return owner.asNobody();
    }

    /** Why {@code bin/canopy} cannot run as nobody here, or null when it can. */
    private static String whyNotAsNobody() {
        if (PeerCredentials.currentUid() != 0) {
            return "running as nobody needs root (setpriv); this runs as uid " + PeerCredentials.currentUid();
        }
        if (Cli.plain().exec(List.of("sh", "-c", "command -v setpriv")).exitCode() != 0) {
            return "running as nobody needs setpriv on the PATH (Debian package util-linux)";
        }
        Cli plainNobody = Cli.plain().asNobody();
        for (Path p : List.of(Repo.canopy(), Repo.root().resolve("tools/target/canopy.jar"))) {
            if (plainNobody.exec(List.of("test", "-r", p.toString())).exitCode() != 0) {
                return "nobody cannot read " + p + "; use a checkout outside private directories";
            }
        }
        return null;
    }
}

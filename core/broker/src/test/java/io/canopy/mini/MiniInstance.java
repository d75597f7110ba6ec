package io.canopy.mini;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.broker.Broker;
import io.canopy.broker.BrokerConfig;
import io.canopy.broker.BrokerState;
import io.canopy.broker.LogRing;
import io.canopy.codec.MessageCodec;
import io.canopy.config.ConfigException;
import io.canopy.config.InstanceConfig;
import io.canopy.idset.IdSet;
import io.canopy.local.PeerCredentials;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.RpcException;
import io.canopy.overlay.ConfigTopology;
import io.canopy.overlay.Topology;
import io.canopy.overlay.memory.MemoryNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A whole instance in one JVM, for tests: {@code size} brokers in a k-ary tree of {@code fanout},
 * talking through a {@link MemoryNetwork}, each with an in-memory state keeper (the leader's
 * outlives it, as its statedir would) and an in-process caller. Brokers start, stop, are killed and
 * start again one by one, in any order; the network's faults (cut, freeze) are at {@link #network}.
 * Each broker still opens its local socket, in a temporary directory of its own.
 */
public final class MiniInstance implements AutoCloseable {
    /** The bound on every wait here. */
    public static final Duration WAIT = Duration.ofSeconds(10);

    /** One rank: the broker running there now (or that ran last), its keeper, its caller. */
    private static final class Node {
        Broker broker;
        MiniKeeper keeper;
        boolean keeperUsed;
        MiniClient client;
    }

    private final InstanceConfig config;
    private final List<String> modules;
    private final MemoryNetwork network;
    private final Path root;
    private final int uid = PeerCredentials.currentUid();
    private final Node[] nodes;

    /** An instance of {@code size} brokers in a tree of {@code fanout}, loading {@code modules} at init. */
    public MiniInstance(int size, int fanout, List<String> modules) throws IOException {
        this(size, fanout, modules, MemoryNetwork.Timeouts.fast());
    }

    public MiniInstance(int size, int fanout, List<String> modules, MemoryNetwork.Timeouts timeouts) throws IOException {
        List<Integer> ports = IntStream.range(0, size).map(r -> 1024 + r).boxed().toList(); // named, never bound
        try {
            this.config = InstanceConfig.parse(InstanceConfig.testToml(size, fanout, ports, "mini"), Path.of("mini.toml"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.modules = List.copyOf(modules);
        this.network = new MemoryNetwork(timeouts);
        this.root = Files.createTempDirectory("canopy-mini-");
        this.nodes = new Node[size];
        for (int r = 0; r < size; r++) {
            nodes[r] = new Node();
            nodes[r].keeper = new MiniKeeper(r == 0);
        }
    }

    public MemoryNetwork network() {
        return network;
    }

    public int size() {
        return nodes.length;
    }

    /** Every rank, 0 first. */
    public int[] ranks() {
        return IntStream.range(0, size()).toArray();
    }

    public List<Integer> children(int rank) {
        return config.childrenOf(rank);
    }

    /** Starts the brokers of {@code ranks} in that order (again, for one that ended: a new process). */
    public MiniInstance start(int... ranks) throws IOException {
        for (int r : ranks) {
            Node n = nodes[r];
            if (n.broker != null && n.broker.state() != BrokerState.EXIT) {
                throw new IllegalStateException("rank " + r + " is running (" + n.broker.state().label() + ")");
            }
            if (n.keeperUsed) {
                n.keeper = n.keeper.afterCrash();
            }
            n.keeperUsed = true;
            Topology topology = new ConfigTopology(config, r);
            Path rundir = Files.createDirectories(root.resolve("r" + r));
            BrokerConfig bc = new BrokerConfig(topology, rundir, uid, MessageCodec.DEFAULT_MAX_FRAME, modules, 1, Map.of());
            n.broker = new Broker(bc, LogRing.NONE, n.keeper, network.overlay(topology));
            n.broker.start();
            n.client = new MiniClient(n.broker, uid);
        }
        return this;
    }

    /** Starts every broker, leader first. */
    public MiniInstance startAll() throws IOException {
        return start(ranks());
    }

    public Broker broker(int rank) {
        return nodes[rank].broker;
    }

    public BrokerState state(int rank) {
        return nodes[rank].broker.state();
    }

    /** Waits until every one of {@code ranks} (none: all) is in {@code state}. */
    public MiniInstance awaitState(BrokerState state, int... ranks) {
        int[] which = ranks.length == 0 ? ranks() : ranks;
        await().atMost(WAIT).until(() -> IntStream.of(which).allMatch(r -> state(r) == state));
        return this;
    }

    /** Calls {@code topic} on the broker at {@code rank} (nodeid any: served there or upstream). */
    public JsonNode call(int rank, String topic, Object body) throws RpcException {
        return call(rank, topic, NodeId.ANY, body);
    }

    /** Calls {@code topic} for {@code nodeid} through the broker at {@code rank}. */
    public JsonNode call(int rank, String topic, int nodeid, Object body) throws RpcException {
        return nodes[rank].client.call(topic, nodeid, body, WAIT);
    }

    /** How {@code parent}'s broker sees {@code child} ({@code online}, {@code lost}, ...), from overlay.status. */
    public String childStatus(int parent, int child) throws RpcException {
        return linkOf(parent, child).path("status").asText();
    }

    /** How many times {@code parent}'s broker has seen {@code child} come online. */
    public int connects(int parent, int child) throws RpcException {
        return linkOf(parent, child).path("connects").asInt();
    }

    /** {@code child}'s entry in {@code parent}'s overlay.status. */
    private JsonNode linkOf(int parent, int child) throws RpcException {
        for (JsonNode c : call(parent, "overlay.status", null).path("children")) {
            if (c.path("rank").asInt() == child) {
                return c;
            }
        }
        throw new IllegalArgumentException("rank " + child + " is not a child of rank " + parent);
    }

    /** The ranks {@code rank}'s broker counts as {@code word} (online, torpid, lost, offline) in overlay.members. */
    public IdSet members(int rank, String word) throws RpcException {
        return IdSet.parse(call(rank, "overlay.members", null).path(word).asText(""));
    }

    /** Subscribes the caller at {@code rank} to events starting with {@code prefix}; see {@link #events}. */
    public void subscribe(int rank, String prefix) throws RpcException {
        call(rank, "event.subscribe", Map.of("topic", prefix));
    }

    /** The events the caller at {@code rank} received since its broker started. */
    public List<Message> events(int rank) {
        return nodes[rank].client.events();
    }

    /** The keeper of the broker at {@code rank} (the leader's outlives its brokers). */
    public MiniKeeper keeper(int rank) {
        return nodes[rank].keeper;
    }

    /**
     * Kills the broker at {@code rank}: it vanishes from the tree at once, without a goodbye; what
     * its keeper had committed is all a durable keeper keeps. Its broker object then winds down out
     * of sight (its modules stop, but nothing it does reaches the tree or the next broker's keeper).
     */
    public void kill(int rank) throws InterruptedException {
        Node n = nodes[rank];
        network.kill(rank);
        MiniKeeper image = n.keeper.afterCrash();
        n.broker.shutdown("killed by the test");
        awaitExit(n.broker);
        n.keeper = image;
        n.keeperUsed = false;
    }

    /** Stops the broker at {@code rank} in order (as SIGTERM: goodbye to its parent, then exit). */
    public void stop(int rank) throws InterruptedException {
        nodes[rank].broker.shutdown("stopped by the test");
        awaitExit(nodes[rank].broker);
    }

    /** Waits until the brokers of {@code ranks} have exited. */
    public void awaitExit(int... ranks) throws InterruptedException {
        for (int r : ranks) {
            awaitExit(nodes[r].broker);
        }
    }

    private static void awaitExit(Broker b) throws InterruptedException {
        if (!b.awaitExit(WAIT)) {
            throw new IllegalStateException("rank " + b.config().rank() + " did not exit within " + WAIT
                    + " (state " + b.state().label() + ")");
        }
    }

    /** Lets every frozen overlay run and every cut link carry, stops every broker, removes the directories. */
    @Override
    public void close() throws IOException, InterruptedException {
        for (int r : ranks()) {
            network.heal(r);
            if (network.isLive(r)) {
                network.thaw(r);
            }
        }
        for (Node n : nodes) {
            if (n.broker != null && n.broker.state() != BrokerState.EXIT) {
                n.broker.shutdown("the test is over");
            }
        }
        for (Node n : nodes) {
            if (n.broker != null) {
                n.broker.awaitExit(WAIT);
            }
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}

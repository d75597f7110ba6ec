package io.canopy.modules;

import io.canopy.message.Errno;
import io.canopy.module.Access;
import io.canopy.module.Checkpoint;
import io.canopy.module.Event;
import io.canopy.module.EventHandler;
import io.canopy.module.ModuleConfig;
import io.canopy.module.ModuleContext;
import io.canopy.module.Payloads;
import io.canopy.module.RequestHandler;
import io.canopy.module.Response;
import io.canopy.module.RpcException;
import io.canopy.module.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A module context for unit tests: timers run when the test says ({@link #runDue}), requests the
 * module sends are recorded with futures the test completes, and the checkpoint is a map that can
 * be made to fail its commits like a full disk.
 */
public final class FakeContext implements ModuleContext {
    /** A request the module sent, with the future its answer goes to. */
    public record Sent(int nodeid, String topic, Object payload, CompletableFuture<Response> answer) {}

    public final List<Sent> sent = new ArrayList<>();
    public final ArrayDeque<Runnable> due = new ArrayDeque<>();
    public final FakeCheckpoint checkpoint = new FakeCheckpoint();
    /** What the module serves, by topic. */
    public final Map<String, RequestHandler> handlers = new HashMap<>();
    private final Map<String, String> config = new HashMap<>();
    private final Map<String, EventHandler> subscriptions = new HashMap<>();
    private int ownerUid;

    /** The uid the instance runs as (root unless set). */
    public FakeContext ownedBy(int uid) {
        ownerUid = uid;
        return this;
    }

    public FakeContext with(String key, String value) {
        config.put(key, value);
        return this;
    }

    /** Runs every timer task (whatever its delay), including those they schedule, up to a bound. */
    public void runDue() {
        for (int i = 0; i < 10_000 && !due.isEmpty(); i++) {
            due.poll().run();
        }
    }

    @Override
    public String moduleName() {
        return "test";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public int ownerUid() {
        return ownerUid;
    }

    @Override
    public String hostname() {
        return "test0";
    }

    @Override
    public String localUri() {
        return "local:///tmp/test0/local";
    }

    @Override
    public void serve(String topic, Access access, RequestHandler handler) {
        handlers.put(topic, handler);
    }

    @Override
    public CompletableFuture<Response> rpc(int nodeid, String topic, Object payload) {
        CompletableFuture<Response> f = new CompletableFuture<>();
        sent.add(new Sent(nodeid, topic, payload, f));
        return f;
    }

    @Override
    public void publish(String topic, Object payload) {}

    @Override
    public void subscribe(String topicPrefix, EventHandler handler) {
        subscriptions.put(topicPrefix, handler);
    }

    /** Delivers an event to the module's matching subscriptions, as the broker would. */
    public void event(String topic, Object payload) throws Exception {
        for (Map.Entry<String, EventHandler> s : subscriptions.entrySet()) {
            if (topic.startsWith(s.getKey())) {
                s.getValue().handle(new Event(topic, 0, Payloads.encode(payload)));
            }
        }
    }

    @Override
    public void unsubscribe(String topicPrefix) {}

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        due.add(task);
        return () -> due.remove(task);
    }

    @Override
    public Timer scheduleAtFixedRate(Duration period, Runnable task) {
        throw new UnsupportedOperationException("not used by the modules under test");
    }

    @Override
    public ModuleConfig config() {
        return new ModuleConfig(config);
    }

    @Override
    public Logger log() {
        return LogManager.getLogger("test");
    }

    @Override
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** A checkpoint in a map; {@link #full} makes commits fail with ENOSPC and keep the changes staged. */
    public static final class FakeCheckpoint implements Checkpoint {
        public final Map<String, byte[]> committed = new HashMap<>();
        private final Map<String, byte[]> staged = new HashMap<>();
        private final Set<String> removed = new TreeSet<>();
        public boolean full;
        public int commits;

        @Override
        public Optional<byte[]> getBytes(String key) {
            return removed.contains(key) ? Optional.empty()
                    : Optional.ofNullable(staged.containsKey(key) ? staged.get(key) : committed.get(key));
        }

        @Override
        public void putBytes(String key, byte[] value) {
            removed.remove(key);
            staged.put(key, value);
        }

        @Override
        public void remove(String key) {
            staged.remove(key);
            removed.add(key);
        }

        @Override
        public Set<String> keys() {
            Set<String> all = new TreeSet<>(committed.keySet());
            all.addAll(staged.keySet());
            all.removeAll(removed);
            return all;
        }

        @Override
        public void commit() throws RpcException {
            if (full) {
                throw new RpcException(Errno.ENOSPC, "No space left on device");
            }
            commits++;
            committed.putAll(staged);
            removed.forEach(committed::remove);
            staged.clear();
            removed.clear();
        }
    }
}

package io.canopy.modules.resource;

import com.fasterxml.jackson.core.type.TypeReference;
import io.canopy.message.Errno;
import io.canopy.module.Checkpoint;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The drained ranks, each with its drains by source ({@link DrainSource}), persisted in the
 * module's checkpoint and committed on every change: a drain the operator saw succeed is on disk
 * (on the leader) before the answer goes out. A change that cannot be committed is undone and
 * reported.
 *
 * <p>Two keys, as flux-core's upgrade.c keeps old formats readable: {@code drains} (format 2: every
 * drain of every rank, with its source) and {@code drain} (format 1, the previous release's: one
 * drain per rank, the first by {@link Drain#order()}). Both are written at every commit, so a leader
 * of the previous release started on this state.db (a rollback) still sees every drained node. When
 * {@code drain} no longer matches what {@code drains} would give for a rank, an older leader changed
 * it since: that rank is taken from {@code drain} (its source guessed from its reason).
 */
final class DrainSet {
    /** Format 1 (the previous release): rank to one drain. */
    static final String KEY_V1 = "drain";
    /** Format 2: {@code {"format":2, "nodes":{rank:[drain, ...]}}}. */
    static final String KEY = "drains";
    static final int FORMAT = 2;

    private static final Comparator<Drain> ORDER = Comparator.comparingInt(Drain::order).thenComparing(Drain::source);

    /** What is stored under {@link #KEY}. */
    record Stored(int format, Map<Integer, List<Drain>> nodes) {}

    private final Checkpoint checkpoint;
    private final TreeMap<Integer, List<Drain>> drained = new TreeMap<>();

    DrainSet(Checkpoint checkpoint) throws RpcException {
        this.checkpoint = checkpoint;
        Map<Integer, Drain> v1 = read(KEY_V1, new TypeReference<Map<Integer, Drain>>() {});
        Stored v2 = read(KEY, new TypeReference<Stored>() {});
        if (v2 != null && v2.format() > FORMAT) {
            throw new RpcException(Errno.EPROTO, "the saved drain state has format " + v2.format() + "; this Canopy "
                    + "reads formats 1 to " + FORMAT + ": a newer Canopy wrote it (upgrade this leader)");
        }
        Map<Integer, List<Drain>> nodes = v2 == null || v2.nodes() == null ? Map.of() : v2.nodes();
        if (v1 == null) {
            nodes.forEach((r, l) -> put(drained, r, l));
        } else {
            // per rank: format 2 where format 1 still says what it would give, else format 1 (an older leader's change)
            for (Map.Entry<Integer, Drain> e : v1.entrySet()) {
                List<Drain> l = nodes.get(e.getKey());
                put(drained, e.getKey(), l != null && same(first(l), e.getValue()) ? l : List.of(e.getValue()));
            }
        }
    }

    private <T> T read(String key, TypeReference<T> type) throws RpcException {
        var raw = checkpoint.getBytes(key);
        if (raw.isEmpty()) {
            return null;
        }
        try {
            return Payloads.mapper().readValue(raw.get(), type);
        } catch (IOException e) {
            throw new RpcException(Errno.EPROTO, "the saved drain state (" + key + ") is unreadable: " + e.getMessage());
        }
    }

    private static void put(TreeMap<Integer, List<Drain>> into, int rank, List<Drain> drains) {
        if (drains == null || drains.isEmpty()) {
            return;
        }
        List<Drain> l = new ArrayList<>(drains);
        l.sort(ORDER);
        into.put(rank, List.copyOf(l));
    }

    /** The same drain, whatever source each says: an older leader rewrites ours without theirs. */
    private static boolean same(Drain a, Drain b) {
        return a != null && b != null && a.reason().equals(b.reason()) && a.userid() == b.userid()
                && Objects.equals(a.user(), b.user()) && a.time() == b.time();
    }

    private static Drain first(List<Drain> l) {
        return l.stream().min(ORDER).orElse(null);
    }

    /** The first of the rank's drains (an administrator's, if there is one), or null when it is not drained. */
    Drain get(int rank) {
        List<Drain> l = drained.get(rank);
        return l == null ? null : l.get(0);
    }

    /** The rank's drain by {@code source}, or null. */
    Drain get(int rank, DrainSource source) {
        for (Drain d : of(rank)) {
            if (d.source().equals(source.wire())) {
                return d;
            }
        }
        return null;
    }

    /** Every drain of the rank, an administrator's first; empty when it is not drained. */
    List<Drain> of(int rank) {
        return drained.getOrDefault(rank, List.of());
    }

    boolean isDrained(int rank) {
        return drained.containsKey(rank);
    }

    /** Every drained rank with its drains. */
    Map<Integer, List<Drain>> all() {
        return Collections.unmodifiableMap(drained);
    }

    /** Changes a working copy of the drains; applied when the change returns. */
    static final class Edit {
        private final TreeMap<Integer, List<Drain>> m;

        private Edit(TreeMap<Integer, List<Drain>> m) {
            this.m = m;
        }

        /** The rank's drains as they stand in this edit. */
        List<Drain> of(int rank) {
            return m.getOrDefault(rank, List.of());
        }

        /** Puts {@code d}, replacing the rank's drain of the same source. */
        void put(int rank, Drain d) {
            List<Drain> l = new ArrayList<>(of(rank));
            l.removeIf(x -> x.source().equals(d.source()));
            l.add(d);
            DrainSet.put(m, rank, l);
        }

        /** Removes the rank's drain by {@code source}; true when there was one. */
        boolean remove(int rank, String source) {
            List<Drain> l = new ArrayList<>(of(rank));
            boolean hit = l.removeIf(x -> x.source().equals(source));
            if (l.isEmpty()) {
                m.remove(rank);
            } else {
                DrainSet.put(m, rank, l);
            }
            return hit;
        }

        /** Removes every drain of the rank. */
        void clear(int rank) {
            m.remove(rank);
        }
    }

    /** Applies {@code change} and commits; on failure restores the previous set and rethrows. */
    void update(Consumer<Edit> change) throws RpcException {
        update(change, () -> {}, () -> {});
    }

    /**
     * As {@link #update(Consumer)}, with {@code beforeCommit} staging more in the same checkpoint
     * (the eventlog entry that records the change), so both are committed together;
     * {@code onFailure} unstages it when the commit fails.
     */
    void update(Consumer<Edit> change, Runnable beforeCommit, Runnable onFailure) throws RpcException {
        TreeMap<Integer, List<Drain>> before = new TreeMap<>(drained);
        change.accept(new Edit(drained));
        try {
            stage();
            beforeCommit.run();
            checkpoint.commit();
        } catch (RpcException | RuntimeException e) {
            onFailure.run();
            drained.clear();
            drained.putAll(before);
            stage();
            throw e instanceof RpcException r ? r
                    : new RpcException(Errno.EIO, "cannot save the drain state: " + e.getMessage());
        }
    }

    private void stage() {
        Map<Integer, Drain> v1 = new TreeMap<>();
        drained.forEach((r, l) -> v1.put(r, l.get(0)));
        checkpoint.put(KEY_V1, v1);
        checkpoint.put(KEY, new Stored(FORMAT, drained));
    }
}

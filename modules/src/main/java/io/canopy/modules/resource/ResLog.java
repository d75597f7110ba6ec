package io.canopy.modules.resource;

import io.canopy.message.Errno;
import io.canopy.module.Checkpoint;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The resource eventlog, as flux-core's reslog.c: who drained and undrained which nodes, why and
 * when, and which nodes were lost and restored (came back online), kept in the module's
 * checkpoint on the leader ({@code statedir/state.db}), so it survives a restart of the leader and
 * a full shutdown. Each entry is one key ({@code eventlog.000000000042}), so adding one writes one
 * small value. Drain and undrain entries are committed with the drain state they describe (one
 * commit); the rest are committed on their own. The oldest entries beyond {@link #LIMIT} are
 * dropped.
 */
final class ResLog {
    /** Entries kept; older ones are dropped as new ones come. */
    static final int LIMIT = 10_000;
    private static final String PREFIX = "eventlog.";

    /**
     * One entry.
     *
     * @param seq      its number, increasing
     * @param time     seconds since the epoch
     * @param name     {@code drain}, {@code undrain}, {@code lost}, {@code restored}, {@code exclude}
     * @param ranks    the nodes it is about
     * @param nodelist their hosts
     * @param context  the rest: {@code user}, {@code userid}, {@code reason}, {@code mode}, ...
     */
    record Entry(long seq, double time, String name, List<Integer> ranks, String nodelist, Map<String, Object> context) {}

    private final Checkpoint checkpoint;
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private long next = 1;

    ResLog(Checkpoint checkpoint) throws RpcException {
        this.checkpoint = checkpoint;
        for (String key : checkpoint.keys()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            var raw = checkpoint.getBytes(key);
            if (raw.isEmpty()) {
                continue;
            }
            try {
                Entry e = Payloads.mapper().readValue(raw.get(), Entry.class);
                entries.put(e.seq(), e);
            } catch (java.io.IOException e) {
                throw new RpcException(Errno.EPROTO, "the saved resource eventlog entry " + key + " is unreadable: "
                        + e.getMessage());
            }
        }
        if (!entries.isEmpty()) {
            next = entries.lastKey() + 1;
        }
    }

    /** Stages an entry (committed by the caller's next commit); returns it. */
    Entry stage(String name, Collection<Integer> ranks, Inventory inv, Map<String, Object> context) {
        List<Integer> sorted = new ArrayList<>(ranks);
        sorted.sort(null);
        Map<String, Object> ctx = new LinkedHashMap<>();
        context.forEach((k, v) -> {
            if (v != null) {
                ctx.put(k, v);
            }
        });
        Entry e = new Entry(next++, System.currentTimeMillis() / 1000.0, name, sorted, Nodes.hosts(sorted, inv), ctx);
        entries.put(e.seq(), e);
        checkpoint.put(key(e.seq()), e);
        while (entries.size() > LIMIT) {
            long oldest = entries.firstKey();
            entries.remove(oldest);
            checkpoint.remove(key(oldest));
        }
        return e;
    }

    /** Forgets a staged entry whose commit failed. */
    void unstage(Entry e) {
        entries.remove(e.seq());
        checkpoint.remove(key(e.seq()));
    }

    /** Stages and commits an entry on its own; a failed commit is logged by the caller and the entry dropped. */
    Entry append(String name, Collection<Integer> ranks, Inventory inv, Map<String, Object> context) throws RpcException {
        Entry e = stage(name, ranks, inv, context);
        try {
            checkpoint.commit();
        } catch (RpcException | RuntimeException ex) {
            unstage(e);
            throw ex instanceof RpcException r ? r : new RpcException(Errno.EIO, "cannot save the resource eventlog: "
                    + ex.getMessage());
        }
        return e;
    }

    /** Entries about any of {@code ranks} (all when null), oldest first, at most the last {@code limit}. */
    List<Entry> entries(java.util.Set<Integer> ranks, int limit) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (ranks == null || e.ranks().stream().anyMatch(ranks::contains)) {
                out.add(e);
            }
        }
        return limit > 0 && out.size() > limit ? out.subList(out.size() - limit, out.size()) : out;
    }

    private static String key(long seq) {
        return String.format("%s%012d", PREFIX, seq);
    }
}

package io.canopy.modules.resource;

import com.fasterxml.jackson.core.type.TypeReference;
import io.canopy.message.Errno;
import io.canopy.module.Checkpoint;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reboots {@code canopy resource reboot} asked for, persisted in the module's checkpoint under
 * {@code reboot} and committed at every step, so that a leader restarted in the middle (even
 * {@code kill -9}) takes every node up where it was: a node whose reboot command went out waits
 * for its new boot id, a node being checked is checked again. Format 1 ({@code {"format":1,
 * "next":N, "waves":[...]}}); a newer format is refused. The last {@link #KEEP_FINISHED} finished
 * waves are kept for {@code resource.reboot-status}.
 */
final class RebootBook {
    static final String KEY = "reboot";
    static final int FORMAT = 1;
    static final int KEEP_FINISHED = 10;

    /** Where one node of a wave stands. */
    enum State {
        /** Drained for the reboot; waiting for its jobs to end, or for a slot ({@code --max-parallel}). */
        WAITING,
        /** Its reboot command ran; waiting for it to come back with a new boot id. */
        REBOOTING,
        /** Back with a new boot id; its health check runs. */
        CHECKING,
        /** Rebooted and healthy. */
        DONE,
        /** Did not reboot, did not come back in time, or failed its health check: it stays drained. */
        FAILED,
        /** Taken out of the wave before its reboot began: its reboot drain was cleared (undrained). */
        CANCELED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        boolean over() {
            return this == DONE || this == FAILED || this == CANCELED;
        }

        /** Down for the update: counts against {@code --max-parallel}. */
        boolean down() {
            return this == REBOOTING || this == CHECKING;
        }
    }

    /**
     * One node's step.
     *
     * @param state  where it stands
     * @param since  when it got there (seconds since the epoch)
     * @param bootId its boot id before the reboot (from REBOOTING on)
     * @param note   what happened last, in words (why it failed)
     */
    record Step(State state, double since, String bootId, String note) {
        Step to(State s, double now, String why) {
            return new Step(s, now, bootId, why);
        }
    }

    /**
     * One {@code canopy resource reboot}.
     *
     * @param id          its number, from 1
     * @param reason      the operator's reason (the reboot drain's)
     * @param userid      who asked
     * @param user        that uid's name
     * @param time        when (seconds since the epoch)
     * @param whenIdle    {@code --when-idle}: busy nodes were accepted and wait for their jobs
     * @param resume      {@code --resume}: undrain each node that comes back healthy
     * @param maxParallel {@code --max-parallel}: nodes down for it at once (0: no bound)
     * @param timeoutMs   how long a node may take to come back
     * @param nodes       rank to step
     * @param finished    when every node was over (seconds since the epoch), or null
     */
    record Wave(long id, String reason, int userid, String user, double time, boolean whenIdle, boolean resume,
            int maxParallel, long timeoutMs, TreeMap<Integer, Step> nodes, Double finished) {
        boolean active() {
            return finished == null;
        }

        Wave finish(double at) {
            return new Wave(id, reason, userid, user, time, whenIdle, resume, maxParallel, timeoutMs, nodes, at);
        }

        long count(State s) {
            return nodes.values().stream().filter(x -> x.state() == s).count();
        }
    }

    /** What is stored. */
    record Stored(int format, long next, List<Wave> waves) {}

    private final Checkpoint checkpoint;
    private final TreeMap<Long, Wave> waves = new TreeMap<>();
    private long next = 1;

    RebootBook(Checkpoint checkpoint) throws RpcException {
        this.checkpoint = checkpoint;
        var raw = checkpoint.getBytes(KEY);
        if (raw.isPresent()) {
            Stored s;
            try {
                s = Payloads.mapper().readValue(raw.get(), new TypeReference<Stored>() {});
            } catch (IOException e) {
                throw new RpcException(Errno.EPROTO, "the saved reboot state is unreadable: " + e.getMessage());
            }
            if (s.format() > FORMAT) {
                throw new RpcException(Errno.EPROTO, "the saved reboot state has format " + s.format() + "; this Canopy "
                        + "reads format " + FORMAT + ": a newer Canopy wrote it (upgrade this leader)");
            }
            for (Wave w : s.waves()) {
                waves.put(w.id(), new Wave(w.id(), w.reason(), w.userid(), w.user(), w.time(), w.whenIdle(), w.resume(),
                        w.maxParallel(), w.timeoutMs(), new TreeMap<>(w.nodes()), w.finished()));
            }
            next = Math.max(s.next(), waves.isEmpty() ? 1 : waves.lastKey() + 1);
        }
    }

    /** The next wave's id. */
    long nextId() {
        return next;
    }

    Wave get(long id) {
        return waves.get(id);
    }

    /** Every wave kept, oldest first. */
    List<Wave> all() {
        return List.copyOf(waves.values());
    }

    List<Wave> active() {
        return waves.values().stream().filter(Wave::active).toList();
    }

    /** The active wave that holds {@code rank}, or null. */
    Wave holding(int rank) {
        for (Wave w : waves.values()) {
            Step s = w.active() ? w.nodes().get(rank) : null;
            if (s != null && !s.state().over()) {
                return w;
            }
        }
        return null;
    }

    /** Adds a wave (staged; the caller commits it with its drain). */
    void add(Wave w) {
        waves.put(w.id(), w);
        next = w.id() + 1;
        stage();
    }

    /** Sets a node's step and commits. */
    void step(long wave, int rank, Step s) throws RpcException {
        waves.get(wave).nodes().put(rank, s);
        commit();
    }

    /** Marks a wave finished and commits; the oldest finished waves beyond {@link #KEEP_FINISHED} go. */
    void finish(long wave, double at) throws RpcException {
        waves.put(wave, waves.get(wave).finish(at));
        List<Long> done = new ArrayList<>(waves.values().stream().filter(w -> !w.active()).map(Wave::id).toList());
        while (done.size() > KEEP_FINISHED) {
            waves.remove(done.remove(0));
        }
        commit();
    }

    /** Stages the book in the checkpoint (committed by the caller's next commit). */
    void stage() {
        checkpoint.put(KEY, new Stored(FORMAT, next, List.copyOf(waves.values())));
    }

    private void commit() throws RpcException {
        stage();
        checkpoint.commit();
    }

    /** The waves as {@code resource.reboot-status} gives them. */
    static Map<String, Object> view(Wave w, Inventory inv, Map<Integer, String> notes) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("id", w.id());
        m.put("reason", w.reason());
        m.put("user", w.user());
        m.put("userid", w.userid());
        m.put("time", w.time());
        m.put("whenIdle", w.whenIdle());
        m.put("resume", w.resume());
        m.put("maxParallel", w.maxParallel());
        m.put("timeout", w.timeoutMs() / 1000.0);
        m.put("finished", w.finished());
        List<Map<String, Object>> nodes = new ArrayList<>();
        w.nodes().forEach((r, s) -> {
            Map<String, Object> n = new java.util.LinkedHashMap<>();
            n.put("rank", r);
            n.put("host", inv == null ? null : inv.host(r));
            n.put("state", s.state().wire());
            n.put("since", s.since());
            String note = notes.get(r);
            n.put("note", note != null && !s.state().over() ? note : s.note());
            nodes.add(n);
        });
        m.put("nodes", nodes);
        return m;
    }
}

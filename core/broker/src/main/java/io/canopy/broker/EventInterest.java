package io.canopy.broker;

import io.canopy.overlay.PeerStatus;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which event topics each child's subtree subscribes to, so that an event goes down only the
 * branches that want it. flux-core sends every event to every broker; at a flat 1,024 that is
 * 1,023 sends at the leader for each event only the leader's modules read (a peer's status, the
 * members view, a node's resource status), and under load the queues it builds ran the leader out
 * of memory. A child that has not said (it just joined, or runs an older release) gets everything.
 * Also counts, per child, the events it wanted while its link was down, so that it can be told it
 * missed them when it is back. Used on the broker thread only.
 */
final class EventInterest {
    /** Prefix sets by child rank; a child without an entry gets every event. */
    private final Map<Integer, SortedSet<String>> byChild = new HashMap<>();
    private final Map<Integer, Long> missed = new HashMap<>();
    private final Map<Integer, Long> sentWhileTorpid = new HashMap<>();

    /** The smallest set of prefixes matching what {@code prefixes} match: {@code ""} alone means all. */
    static SortedSet<String> normalize(Collection<String> prefixes) {
        SortedSet<String> out = new TreeSet<>();
        for (String p : new TreeSet<>(prefixes)) { // sorted: a prefix comes before what it covers
            if (!covered(out, p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** True when some prefix in {@code set} matches every topic {@code prefix} matches. */
    static boolean covered(Set<String> set, String prefix) {
        for (String p : set) {
            if (prefix.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code wider} matches a topic {@code narrower} does not. */
    static boolean widens(Set<String> wider, Set<String> narrower) {
        for (String p : wider) {
            if (!covered(narrower, p)) {
                return true;
            }
        }
        return false;
    }

    /** A child said what its subtree subscribes to. */
    void report(int child, Collection<String> prefixes) {
        byChild.put(child, normalize(prefixes));
    }

    /** Whether {@code child} said what it subscribes to since it (re)joined. */
    boolean known(int child) {
        return byChild.containsKey(child);
    }

    /** Whether {@code child}'s subtree wants an event on {@code topic}. */
    boolean wants(int child, String topic) {
        SortedSet<String> set = byChild.get(child);
        return set == null || covered(set, topic);
    }

    /** What a child's subtree subscribes to: {@code [""]} (everything) when it has not said. */
    Set<String> of(int child) {
        SortedSet<String> set = byChild.get(child);
        return set == null ? Set.of("") : set;
    }

    /** An event {@code child} wanted could not be sent: its link was down. */
    void missed(int child) {
        missed.merge(child, 1L, Long::sum);
    }

    /** An event went to {@code child} while it was torpid: lost with the link if the child is lost next. */
    void sentWhileTorpid(int child) {
        sentWhileTorpid.merge(child, 1L, Long::sum);
    }

    /**
     * A child's link changed from {@code old}: back online from torpid, what it was sent meanwhile
     * arrived and it still wants what it said; lost or offline, what it was sent may not have
     * arrived, and counts as missed (at most that many); online again after that, or offline, it
     * gets everything until it reports.
     */
    void linkChanged(int child, PeerStatus old, PeerStatus status) {
        if (status == PeerStatus.OFFLINE || status == PeerStatus.ONLINE && old != PeerStatus.TORPID) {
            // a new session: until it says otherwise it gets everything. One back from torpid kept its
            // link and its subscriptions (forgetting them sent a flat leader's thousand children every
            // event of a thousand flaps, 3,000 queued for each, after one stall of the leader).
            byChild.remove(child);
        }
        Long torpid = status == PeerStatus.TORPID ? null : sentWhileTorpid.remove(child);
        if (torpid != null && status != PeerStatus.ONLINE) {
            missed.merge(child, torpid, Long::sum);
        }
    }

    /** How many events {@code child} missed since the last call, which starts the count again. */
    long takeMissed(int child) {
        Long n = missed.remove(child);
        return n == null ? 0 : n;
    }
}

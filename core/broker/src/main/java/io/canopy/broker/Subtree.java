package io.canopy.broker;

import io.canopy.idset.IdSet;
import io.canopy.overlay.PeerStatus;
import io.canopy.overlay.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one broker knows of every broker below it, so that the leader knows the whole tree and not
 * only its direct links (flux-core's overlay keeps a per-subtree status for the same reason). Each
 * broker reports its subtree to its parent as idsets per status ({@code overlay.subtree}): when it
 * joins, and whenever its subtree changes; so a leader that restarted learns of brokers whose own
 * links never dropped, and a returning router's children count only once they have rejoined it.
 *
 * <p>A rank's member status is one of {@code online}, {@code torpid}, {@code lost}, {@code
 * offline}: a direct child is what its link is, except that a child whose broker has not reached
 * {@code run} (it is starting, or shutting down) is {@code offline}; a rank further down is what
 * its child's last report said, and {@code offline} (not known to be reachable) while that child is
 * not linked, or linked again but has not reported yet. Used on the broker thread only.
 */
final class Subtree {
    /** Member status words, in the order reports list them. */
    static final List<String> WORDS = List.of("online", "torpid", "lost", "offline");

    /** One direct child: its link, and its last report (null: none since it last joined). */
    private static final class Child {
        PeerStatus link = PeerStatus.OFFLINE;
        String state;
        Map<Integer, String> below;
    }

    private final Topology topology;
    private final Map<Integer, Child> children = new TreeMap<>();

    Subtree(Topology topology) {
        this.topology = topology;
        for (int c : topology.children()) {
            children.put(c, new Child());
        }
    }

    /**
     * A direct child's link changed. A child that (re)joins or leaves has said nothing yet of its
     * subtree as it is now: until it reports, the ranks below it count as offline.
     */
    void link(int child, PeerStatus status) {
        Child c = children.get(child);
        if (c == null) {
            return;
        }
        boolean linked = status == PeerStatus.ONLINE || status == PeerStatus.TORPID;
        boolean wasLinked = c.link == PeerStatus.ONLINE || c.link == PeerStatus.TORPID;
        c.link = status;
        if (linked != wasLinked || !linked) {
            c.state = null;
            c.below = null;
        }
    }

    /**
     * A direct child's report: its broker state and the member status of each rank below it, as
     * {@code word -> idset}. Ranks outside its subtree are ignored. False when {@code child} is
     * not a direct child.
     */
    boolean report(int child, String state, Map<String, IdSet> members) {
        Child c = children.get(child);
        if (c == null) {
            return false;
        }
        Map<Integer, String> below = new TreeMap<>();
        for (String word : WORDS) {
            IdSet ids = members.getOrDefault(word, IdSet.empty());
            ids.stream().filter(r -> r != child && topology.inSubtree(child, r)).forEach(r -> below.put(r, word));
        }
        c.state = state;
        c.below = below;
        return true;
    }

    /** Every rank below this broker (not itself) with its member status. */
    Map<Integer, String> statuses() {
        Map<Integer, String> out = new TreeMap<>();
        for (Map.Entry<Integer, Child> e : children.entrySet()) {
            int child = e.getKey();
            Child c = e.getValue();
            boolean linked = c.link == PeerStatus.ONLINE || c.link == PeerStatus.TORPID;
            out.put(child, !linked ? c.link.label() : "run".equals(c.state) ? c.link.label() : "offline");
            for (int r : descendants(child)) {
                String known = linked && c.below != null ? c.below.get(r) : null;
                out.put(r, known == null ? "offline" : known);
            }
        }
        return out;
    }

    /** {@code statuses()} plus {@code self} as online, as {@code word -> idset} with every word present. */
    Map<String, IdSet> members(Integer self) {
        Map<String, List<Integer>> by = new LinkedHashMap<>();
        WORDS.forEach(w -> by.put(w, new ArrayList<>()));
        if (self != null) {
            by.get("online").add(self);
        }
        statuses().forEach((r, w) -> by.get(w).add(r));
        Map<String, IdSet> out = new LinkedHashMap<>();
        by.forEach((w, l) -> out.put(w, IdSet.of(l.stream().mapToInt(Integer::intValue).toArray())));
        return out;
    }

    /** The ranks strictly below {@code rank}. */
    private List<Integer> descendants(int rank) {
        List<Integer> out = new ArrayList<>();
        for (int c : topology.childrenOf(rank)) {
            out.add(c);
            out.addAll(descendants(c));
        }
        return out;
    }
}

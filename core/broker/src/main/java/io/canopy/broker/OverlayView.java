package io.canopy.broker;

import io.canopy.overlay.PeerStatus;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What this broker knows of its links: each child's status and since when, and whether its parent
 * link is up and in which state the parent is. Used only on the broker thread.
 */
final class OverlayView {
    /** One child's status, with the time it changed and why. */
    record Child(int rank, PeerStatus status, Instant since, String why) {}

    /** A peer this broker refused, how often and when last. */
    record Refusal(String peer, String why, int count, Instant last) {}

    /** The most refusals kept (distinct peer and reason); the oldest go first. */
    static final int REFUSALS = 50;

    private final Map<Integer, Child> children = new TreeMap<>();
    private final java.util.LinkedHashMap<String, Refusal> refusals = new java.util.LinkedHashMap<>();
    /** How often each child came online (its first join and every reconnect), for monitoring. */
    private final Map<Integer, Integer> connects = new TreeMap<>();
    private int parentConnects;
    private boolean parentUp;
    private String parentState = "unknown";
    private String parentWhy = "not connected yet";

    OverlayView(Iterable<Integer> childRanks) {
        Instant now = Instant.now();
        for (int r : childRanks) {
            children.put(r, new Child(r, PeerStatus.OFFLINE, now, "not connected yet"));
        }
    }

    /** Records a child's new status; returns the previous one. */
    PeerStatus childStatus(int rank, PeerStatus status, String why) {
        Child old = children.get(rank);
        if (status == PeerStatus.ONLINE && (old == null || old.status() != PeerStatus.ONLINE)
                && (old == null || old.status() != PeerStatus.TORPID)) {
            connects.merge(rank, 1, Integer::sum);
        }
        children.put(rank, new Child(rank, status, Instant.now(), why));
        return old == null ? PeerStatus.OFFLINE : old.status();
    }

    PeerStatus statusOf(int child) {
        Child c = children.get(child);
        return c == null ? PeerStatus.OFFLINE : c.status();
    }

    Iterable<Child> children() {
        return children.values();
    }

    int online() {
        return (int) children.values().stream().filter(c -> c.status() == PeerStatus.ONLINE).count();
    }

    /** Times {@code child} came online; a child that joined once has 1. */
    int connects(int child) {
        return connects.getOrDefault(child, 0);
    }

    /** Times the link to the parent came up. */
    int parentConnects() {
        return parentConnects;
    }

    void parentUp(String state) {
        parentConnects++;
        parentUp = true;
        parentState = state;
        parentWhy = null;
    }

    void parentState(String state) {
        parentState = state;
    }

    void parentDown(String why) {
        parentUp = false;
        parentWhy = why;
    }

    /** Records a refused peer. */
    void refused(String peer, String why) {
        String key = peer + "\u0000" + why;
        Refusal old = refusals.remove(key);
        refusals.put(key, new Refusal(peer, why, old == null ? 1 : old.count() + 1, Instant.now()));
        while (refusals.size() > REFUSALS) {
            refusals.remove(refusals.keySet().iterator().next());
        }
    }

    Iterable<Refusal> refusals() {
        return java.util.List.copyOf(refusals.values());
    }

    boolean parentUp() {
        return parentUp;
    }

    String parentState() {
        return parentState;
    }

    String parentWhy() {
        return parentWhy;
    }
}

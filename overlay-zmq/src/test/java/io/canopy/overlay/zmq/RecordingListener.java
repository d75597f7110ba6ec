package io.canopy.overlay.zmq;

import io.canopy.message.Message;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what an overlay reports, for assertions. */
final class RecordingListener implements OverlayListener {
    volatile String state = "run";
    volatile String parentState;
    volatile boolean parentUp;
    final List<String> parentEvents = new CopyOnWriteArrayList<>();
    final List<Message> fromParent = new CopyOnWriteArrayList<>();
    final List<Message> fromChildren = new CopyOnWriteArrayList<>();
    final Map<Integer, PeerStatus> children = new ConcurrentHashMap<>();
    final List<String> childEvents = new CopyOnWriteArrayList<>();
    /** Reports since the last end of a round (0 after every {@link #endOfRound}). */
    final java.util.concurrent.atomic.AtomicInteger sinceRoundEnd = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void fromParent(Message message) {
        sinceRoundEnd.incrementAndGet();
        fromParent.add(message);
    }

    @Override
    public void fromChild(int rank, Message message) {
        sinceRoundEnd.incrementAndGet();
        fromChildren.add(message);
    }

    @Override
    public void parentUp(String s) {
        parentUp = true;
        parentState = s;
        parentEvents.add("up:" + s);
    }

    @Override
    public void parentState(String s) {
        parentState = s;
    }

    @Override
    public void parentDown(String why) {
        parentUp = false;
        parentEvents.add("down:" + why);
    }

    @Override
    public void childStatus(int rank, PeerStatus status, String why) {
        children.put(rank, status);
        childEvents.add(rank + ":" + status.label() + ":" + why);
    }

    @Override
    public String stateForHello() {
        return state;
    }

    /** Peers refused, as "peer: why". */
    final List<String> refused = new CopyOnWriteArrayList<>();

    @Override
    public void refused(String peer, String why) {
        refused.add(peer + ": " + why);
    }

    @Override
    public void endOfRound() {
        sinceRoundEnd.set(0);
    }
}

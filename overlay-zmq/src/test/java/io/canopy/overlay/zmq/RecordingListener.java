package io.canopy.overlay.zmq;

import io.canopy.message.Message;
import io.canopy.overlay.OverlayListener;
import io.canopy.overlay.PeerStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    /** The names of the threads that called this listener. */
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    @Override
    public void fromParent(Message message) {
        threads.add(Thread.currentThread().getName());
        fromParent.add(message);
    }

    @Override
    public void fromChild(int rank, Message message) {
        threads.add(Thread.currentThread().getName());
        fromChildren.add(message);
    }

    @Override
    public void parentUp(String s) {
        threads.add(Thread.currentThread().getName());
        parentUp = true;
        parentState = s;
        parentEvents.add("up:" + s);
    }

    @Override
    public void parentState(String s) {
        threads.add(Thread.currentThread().getName());
        parentState = s;
    }

    @Override
    public void parentDown(String why) {
        threads.add(Thread.currentThread().getName());
        parentUp = false;
        parentEvents.add("down:" + why);
    }

    @Override
    public void childStatus(int rank, PeerStatus status, String why) {
        threads.add(Thread.currentThread().getName());
        children.put(rank, status);
        childEvents.add(rank + ":" + status.label() + ":" + why);
    }

    @Override
    public String stateForHello() {
        return state;
    }
}

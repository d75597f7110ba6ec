package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.overlay.Overlay;
import io.canopy.overlay.OverlayListener;
import java.util.ArrayList;
import java.util.List;

/** An overlay whose links are up or down as the test says; it records what was sent up and down. */
final class FakeOverlay implements Overlay {
    final List<Message> toChildren = new ArrayList<>();
    final List<Message> toParent = new ArrayList<>();
    boolean up = true;
    final List<String> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile int goodbyes;
    volatile boolean closed;

    @Override
    public void start(OverlayListener listener) {}

    @Override
    public boolean sendToParent(Message message) {
        if (up) {
            toParent.add(message);
        }
        return up;
    }

    @Override
    public boolean sendToChild(int rank, Message message) {
        if (up) {
            toChildren.add(message);
        }
        return up;
    }

    @Override
    public void announceState(String state) {
        announced.add(state);
    }

    @Override
    public void disconnectChild(int rank, String reason) {}

    @Override
    public void goodbye() {
        goodbyes++;
    }

    @Override
    public void close() {
        closed = true;
    }
}

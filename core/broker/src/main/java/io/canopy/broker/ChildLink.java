package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.overlay.Overlay;

/** The way down to one child: responses and requests for its subtree, and events. */
final class ChildLink implements Endpoint {
    private final int rank;
    private final String id;
    private final Overlay overlay;

    ChildLink(int rank, Overlay overlay) {
        this.rank = rank;
        this.id = "t" + rank;
        this.overlay = overlay;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void deliver(Message message) {
        overlay.sendToChild(rank, message);
    }
}

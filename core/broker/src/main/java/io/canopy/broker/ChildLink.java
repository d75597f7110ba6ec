package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.overlay.Overlay;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The way down to one child: requests and responses for its subtree, and events. Requests sent
 * down are remembered until their answer comes back; if the child is lost or leaves first, each
 * is answered here with EHOSTUNREACH, so that no caller waits for ever for an answer that can no
 * longer come (flux-core's overlay does the same for requests to a lost peer). Used only on the
 * broker thread.
 */
final class ChildLink implements Endpoint {
    private final int rank;
    private final String id;
    private final String host;
    private final Overlay overlay;
    private final Consumer<Message> respond;
    private final Map<String, Message> inflight = new LinkedHashMap<>();

    /** {@code respond} sends a response back along its route (the router's). */
    ChildLink(int rank, String host, Overlay overlay, Consumer<Message> respond) {
        this.rank = rank;
        this.id = "t" + rank;
        this.host = host;
        this.overlay = overlay;
        this.respond = respond;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void deliver(Message message) {
        boolean sent = overlay.sendToChild(rank, message);
        if (!expectsAnswer(message)) {
            return;
        }
        if (sent) {
            inflight.put(key(message), message);
        } else {
            respond.accept(message.errorResponse(Errno.EHOSTUNREACH, "no route to rank " + message.nodeid()
                    + ": " + host + " (rank " + rank + ") is not connected"));
        }
    }

    /** A response came up from the child: its request is answered (unless more parts follow). */
    void settled(Message response) {
        if (!response.hasFlag(Message.FLAG_STREAMING)) {
            inflight.remove(key(response));
        }
    }

    /** The child is lost or gone: every request still waiting for it is answered EHOSTUNREACH. */
    void gone(String status) {
        if (inflight.isEmpty()) {
            return;
        }
        List<Message> waiting = new ArrayList<>(inflight.values());
        inflight.clear();
        for (Message m : waiting) {
            respond.accept(m.errorResponse(Errno.EHOSTUNREACH, host + " (rank " + rank + ") was " + status
                    + " before " + m.topic() + (m.nodeid() == rank ? "" : " for rank " + m.nodeid())
                    + " was answered; whether it was done there is not known"));
        }
    }

    int inflight() {
        return inflight.size();
    }

    private static boolean expectsAnswer(Message m) {
        return m.type() == MessageType.REQUEST && !m.hasFlag(Message.FLAG_NORESPONSE);
    }

    private static String key(Message m) {
        return m.matchtag() + "|" + String.join("/", m.route());
    }
}

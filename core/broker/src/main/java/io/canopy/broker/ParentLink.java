package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.overlay.Overlay;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The way up: sends to the parent, and while the parent is away keeps what was to be sent, so
 * requests from this subtree wait instead of failing. Requests in flight when the link dropped
 * are sent again after the next hello. Answers to the parent's requests made while it is away are
 * kept too, and sent after the next hello if the parent is the same process (its session is the
 * same: it was only stopped or cut off, and still waits for them); a new parent process never
 * asked them, so they are dropped then. Used only on the broker thread.
 */
final class ParentLink implements Endpoint {
    private static final Logger LOG = LogManager.getLogger(ParentLink.class);
    /** Messages kept while the parent is away; past this the oldest requests are failed. */
    static final int BACKLOG_LIMIT = 100_000;

    private final Overlay overlay;
    private final Deque<Message> backlog = new ArrayDeque<>();
    private final Map<String, Message> inflight = new LinkedHashMap<>();
    private final java.util.function.Consumer<Message> overflow;
    /** Answers for the parent made while it was away, for the session below. */
    private final Deque<Message> answers = new ArrayDeque<>();
    private String session;
    private boolean up;

    ParentLink(Overlay overlay, java.util.function.Consumer<Message> overflow) {
        this.overlay = overlay;
        this.overflow = overflow;
    }

    @Override
    public String id() {
        return "p";
    }

    @Override
    public void deliver(Message m) {
        if (up && overlay.sendToParent(m)) {
            track(m);
            return;
        }
        keep(m);
    }

    /** A response came down: its request is no longer in flight. */
    void settled(Message response) {
        inflight.remove(key(response));
    }

    /** The hello was accepted by the parent process of {@code parentSession} (null: unknown). */
    void up(String parentSession) {
        boolean same = parentSession != null && parentSession.equals(session);
        session = parentSession;
        if (!answers.isEmpty()) {
            if (same) {
                LOG.info("parent link up: the same parent is back; sending the {} answer(s) it waited for", answers.size());
                answers.forEach(overlay::sendToParent);
            } else {
                LOG.info("parent link up: a new parent process; dropping {} answer(s) owed to the old one", answers.size());
            }
            answers.clear();
        }
        up();
    }

    /** The hello was accepted: send everything that waited, in order. */
    void up() {
        up = true;
        int n = backlog.size();
        while (!backlog.isEmpty() && up) {
            Message m = backlog.pollFirst();
            if (overlay.sendToParent(m)) {
                track(m);
            } else {
                backlog.addFirst(m);
                up = false;
            }
        }
        if (n > 0) {
            LOG.info("parent link up: sent {} message(s) that waited", n - backlog.size());
        }
    }

    /** The link dropped: requests in flight will be sent again once it is back. */
    void down() {
        up = false;
        if (!inflight.isEmpty()) {
            LOG.info("parent link down: {} request(s) in flight will be sent again", inflight.size());
            java.util.List<Message> again = new java.util.ArrayList<>(inflight.values());
            inflight.clear();
            for (int i = again.size() - 1; i >= 0; i--) {
                backlog.addFirst(again.get(i));
            }
        }
    }

    int waiting() {
        return backlog.size();
    }

    int inflight() {
        return inflight.size();
    }

    private void track(Message m) {
        if (m.type() == MessageType.REQUEST && !m.hasFlag(Message.FLAG_NORESPONSE)) {
            inflight.put(key(m), m);
        }
    }

    private void keep(Message m) {
        if (m.type() == MessageType.RESPONSE) {
            answers.addLast(m); // for the parent that asked, if it is the one that comes back
            if (answers.size() > BACKLOG_LIMIT) {
                answers.pollFirst();
            }
            return;
        }
        backlog.addLast(m);
        if (backlog.size() > BACKLOG_LIMIT) {
            overflow.accept(backlog.pollFirst());
        }
    }

    private static String key(Message m) {
        return m.matchtag() + "|" + String.join("/", m.route());
    }
}

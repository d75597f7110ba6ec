package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.message.MessageType;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The broker's own requests to other brokers (asking the parent for a checkpoint, handing one
 * up), with their answers delivered back on the broker thread. Its hop is {@code b}.
 */
final class BrokerRpc implements Endpoint {
    private final Map<Long, Consumer<Message>> pending = new HashMap<>();
    private final Map<String, Consumer<Message>> subscribers = new HashMap<>();
    private long nextTag = 1;

    @Override
    public String id() {
        return "b";
    }

    /** A request from this broker with its matchtag; {@code answer} runs on the broker thread. */
    Message prepare(Message request, Consumer<Message> answer) {
        long tag = nextTag++;
        pending.put(tag, answer);
        return request.withMatchtag(tag);
    }

    /** Events this broker itself reacts to, by topic prefix. */
    void onEvent(String prefix, Consumer<Message> handler) {
        subscribers.put(prefix, handler);
    }

    @Override
    public void deliver(Message m) {
        if (m.type() == MessageType.RESPONSE) {
            Consumer<Message> c = pending.remove(m.matchtag());
            if (c != null) {
                c.accept(m);
            }
        } else if (m.type() == MessageType.EVENT) {
            subscribers.forEach((prefix, h) -> {
                if (m.topic().startsWith(prefix)) {
                    h.accept(m);
                }
            });
        }
    }
}

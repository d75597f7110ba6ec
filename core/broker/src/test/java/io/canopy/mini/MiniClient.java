package io.canopy.mini;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.broker.Broker;
import io.canopy.broker.Endpoint;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.Role;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A caller attached to one broker of a {@link MiniInstance} as the local connector attaches a
 * client, minus the socket and the codec: its requests carry the owner's credentials and the local
 * role, and the broker hands it answers and events on the broker thread.
 */
final class MiniClient implements Endpoint {
    private final Broker broker;
    private final int uid;
    private final AtomicLong tags = new AtomicLong();
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    private final List<Message> events = new CopyOnWriteArrayList<>();

    MiniClient(Broker broker, int uid) {
        this.broker = broker;
        this.uid = uid;
        broker.attach(this);
    }

    @Override
    public String id() {
        return "mini";
    }

    @Override
    public void deliver(Message m) {
        if (m.type() == MessageType.EVENT) {
            events.add(m);
        } else if (m.type() == MessageType.RESPONSE && !m.hasFlag(Message.FLAG_STREAMING)) {
            CompletableFuture<Message> f = pending.remove(m.matchtag());
            if (f != null) {
                f.complete(m);
            }
        }
    }

    /** Events received since the client subscribed, in order. */
    List<Message> events() {
        return events;
    }

    /** Sends a request and waits for its (last) answer; an error answer is thrown. */
    JsonNode call(String topic, int nodeid, Object body, Duration timeout) throws RpcException {
        long tag = tags.incrementAndGet();
        CompletableFuture<Message> answer = new CompletableFuture<>();
        pending.put(tag, answer);
        broker.receive(this, Message.request(topic, nodeid, tag, body == null ? null : Payloads.encode(body))
                .withCredentials(uid, Role.OWNER | Role.LOCAL));
        Message m;
        try {
            m = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.remove(tag);
            throw new RpcException(Errno.ETIMEDOUT, topic + " was not answered within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcException(Errno.ECANCELED, topic + ": interrupted");
        } catch (ExecutionException e) {
            throw new RpcException(Errno.EIO, topic + ": " + e.getCause());
        }
        if (m.isError()) {
            throw new RpcException(m.errnum(), m.errstr());
        }
        return Payloads.tree(m.payload());
    }
}

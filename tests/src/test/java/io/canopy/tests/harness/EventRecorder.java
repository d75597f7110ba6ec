package io.canopy.tests.harness;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client that subscribes to a topic prefix on one broker and keeps every event it receives. */
public final class EventRecorder implements AutoCloseable {
    /** One event as received. */
    public record Event(String topic, long seq, JsonNode payload) {}

    private final CanopyClient client;
    private final List<Event> events = new CopyOnWriteArrayList<>();

    private EventRecorder(CanopyClient client) {
        this.client = client;
    }

    /** Connects to {@code socket} and subscribes to {@code prefix} (the broker must be in run). */
    public static EventRecorder subscribe(Path socket, String prefix) throws IOException, RpcException {
        CanopyClient c = CanopyClient.connect(socket);
        EventRecorder r = new EventRecorder(c);
        c.onEvent(m -> {
            JsonNode body;
            try {
                body = Payloads.tree(m.payload());
            } catch (RpcException e) {
                body = null;
            }
            r.events.add(new Event(m.topic(), m.seq(), body));
        });
        try {
            c.call("event.subscribe", NodeId.ANY, Map.of("topic", prefix), Duration.ofSeconds(10));
        } catch (RpcException e) {
            c.close();
            throw e;
        }
        return r;
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Events whose topic is {@code topic}. */
    public List<Event> events(String topic) {
        return events.stream().filter(e -> e.topic().equals(topic)).toList();
    }

    @Override
    public void close() {
        client.close();
    }
}

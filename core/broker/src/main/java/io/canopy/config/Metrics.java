package io.canopy.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [metrics]} table: where a broker serves Prometheus metrics over HTTP
 * ({@code http://LISTEN/metrics}). Without {@code listen} it serves none. Every broker serves its
 * own (uptime, messages, its links, JVM memory); the leader adds the instance's (nodes by state,
 * drains, jobs).
 *
 * @param host the address to bind ({@code 0.0.0.0} for every interface when {@code listen} gives only
 *             a port)
 * @param port the TCP port, 0 when metrics are off
 */
public record Metrics(String host, int port) {
    static final List<String> KEYS = List.of("listen");

    public Metrics {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0-65535");
        }
    }

    /** No metrics served. */
    public static Metrics off() {
        return new Metrics("", 0);
    }

    /** Where to listen, unless metrics are off. */
    public Optional<String> listen() {
        return port == 0 ? Optional.empty() : Optional.of(host + ":" + port);
    }

    static Metrics read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        Optional<String> listen = t.string("listen");
        if (listen.isEmpty()) {
            return off();
        }
        String text = listen.get().strip();
        int colon = text.lastIndexOf(':');
        String fix = "write HOST:PORT or :PORT, e.g. listen = \"127.0.0.1:9091\" or \":9091\" (every interface)";
        if (colon < 0) {
            throw t.error("listen", "\"" + text + "\" has no port", fix);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw t.error("listen", "\"" + text.substring(colon + 1) + "\" is not a port number", fix);
        }
        if (port < 1 || port > 65535) {
            throw t.error("listen", "port " + port + " is out of range", "use a port from 1 to 65535");
        }
        if (host.contains(" ") || host.contains("/")) {
            throw t.error("listen", "\"" + host + "\" is not a host name or address", fix);
        }
        return new Metrics(host.isEmpty() ? "0.0.0.0" : host, port);
    }
}

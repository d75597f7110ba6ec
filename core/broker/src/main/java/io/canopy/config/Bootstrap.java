package io.canopy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [bootstrap]} table apart from its host list: how a host's bind and connect URIs are
 * made when its entry does not give them, and the overlay certificate. {@code %h} in a template
 * stands for the host name and {@code %p} for the port.
 *
 * @param defaultPort    {@code default_port}, 8050 unless set
 * @param defaultBind    {@code default_bind}, {@code tcp://*:%p} unless set
 * @param defaultConnect {@code default_connect}, {@code tcp://%h:%p} unless set
 * @param curveCert      {@code curve_cert}, the shared CURVE certificate, if the overlay uses one
 */
public record Bootstrap(int defaultPort, String defaultBind, String defaultConnect, Optional<Path> curveCert) {
    static final List<String> KEYS = List.of("hosts", "default_port", "default_bind", "default_connect",
            "curve_cert");

    public Bootstrap {
        Objects.requireNonNull(defaultBind, "defaultBind");
        Objects.requireNonNull(defaultConnect, "defaultConnect");
        Objects.requireNonNull(curveCert, "curveCert");
        if (defaultPort < 1 || defaultPort > 65535) {
            throw new IllegalArgumentException("port " + defaultPort + " is outside 1-65535");
        }
    }

    static Bootstrap read(TomlTable t) throws ConfigException {
        t.allowOnly(KEYS);
        int port = t.integer("default_port", 8050, 1, 65535);
        String bind = t.string("default_bind", "tcp://*:%p");
        String connect = t.string("default_connect", "tcp://%h:%p");
        UriTemplate.check(t, "default_bind", bind);
        UriTemplate.check(t, "default_connect", connect);
        return new Bootstrap(port, bind, connect, t.path("curve_cert", null));
    }
}

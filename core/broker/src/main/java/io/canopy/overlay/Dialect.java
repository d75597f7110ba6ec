package io.canopy.overlay;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.broker.BuildVersion;
import io.canopy.message.Message;
import java.util.Optional;

/**
 * Which dialect of wire protocol {@value Message#PROTOCOL_VERSION} a broker speaks: the version
 * of what brokers say to each other beyond the header (control messages, service topics, the
 * checkpoint formats modules keep), raised by every release that changes any of it. Neighbours
 * tell each other theirs in {@code hello} and {@code hello-ok} ({@code dialect}, with
 * {@code software}, the build's version); the previous release, which says neither, is
 * {@value #UNSTATED}. Brokers whose dialects differ by one work together during a rolling update,
 * the newer speaking the older's dialect (it reads what the older sends and sends nothing the older
 * needs and lacks); any larger gap is refused by the newer side, with both versions named, and
 * shown by {@code canopy overlay errors}.
 */
public final class Dialect {
    /** This build's dialect. 1: the release before dialects (main at 416a8db); 2: drain sources, reboots. */
    public static final int CURRENT = 2;
    /** The dialect of a peer that does not say (the previous release). */
    public static final int UNSTATED = 1;

    private Dialect() {}

    /** {@code canopy 0.1.0 (protocol 1, dialect 2)}. */
    public static String software() {
        return "canopy " + BuildVersion.version() + " (protocol " + Message.PROTOCOL_VERSION + ", dialect " + CURRENT + ")";
    }

    /** The dialect a hello or hello-ok states. */
    public static int of(JsonNode hello) {
        return hello.path("dialect").asInt(UNSTATED);
    }

    /** The software a hello or hello-ok names, or what an older broker (which names none) is. */
    public static String softwareOf(JsonNode hello) {
        return hello.path("software").asText("the previous release (protocol 1, dialect 1)");
    }

    /** True when a broker of dialect {@code theirs} and this one work together. */
    public static boolean compatible(int theirs) {
        return Math.abs(theirs - CURRENT) <= 1;
    }

    /**
     * Why this broker will not work with {@code who}, which runs {@code theirSoftware} of dialect
     * {@code theirs}; empty when it will.
     */
    public static Optional<String> refusal(String who, int theirs, String theirSoftware) {
        if (compatible(theirs)) {
            return Optional.empty();
        }
        return Optional.of(who + " runs " + theirSoftware + "; this broker runs " + software() + ": brokers of one "
                + "instance must be of the same or consecutive releases (dialects " + (CURRENT - 1) + " to "
                + (CURRENT + 1) + " here); update " + (theirs < CURRENT ? who : "this broker") + " one release at a time");
    }
}

package io.canopy.overlay;

import java.util.Locale;

/**
 * How a parent sees one child: {@code online} (heard within the torpid timeout), {@code torpid}
 * (silent too long: shown, not scheduled), {@code lost} (silent past the lost timeout, or its
 * connection dropped without a goodbye), {@code offline} (said goodbye, or never came).
 */
public enum PeerStatus {
    ONLINE,
    TORPID,
    LOST,
    OFFLINE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.canopy.module;

/**
 * Who may call a served topic. Owner-only is the default, as a service must opt in to serve
 * ordinary users (status, their own jobs).
 */
public enum Access {
    /** Only the instance owner and root. */
    OWNER,
    /** Any local user; the handler checks finer rules itself (e.g. "only your own job"). */
    USER
}

package io.canopy.message;

/**
 * Special values of a request's {@code nodeid}: a broker rank, or one of these. A request to
 * {@link #ANY} is served by the nearest broker that has the service (the local one first, then its
 * parent, up to the leader); {@link #UPSTREAM} skips the local broker.
 */
public final class NodeId {
    /** The nearest broker offering the service. */
    public static final int ANY = -1;
    /** The nearest broker above this one offering the service. */
    public static final int UPSTREAM = -2;

    private NodeId() {}

    /** {@code any}, {@code upstream} or the rank as a decimal number. */
    public static String describe(int nodeid) {
        return switch (nodeid) {
            case ANY -> "any";
            case UPSTREAM -> "upstream";
            default -> Integer.toString(nodeid);
        };
    }
}

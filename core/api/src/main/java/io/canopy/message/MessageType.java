package io.canopy.message;

/**
 * The four kinds of message on the bus. The numeric codes are the wire values (after Flux RFC 3) and
 * never change; see {@code docs/wire-protocol.md}.
 */
public enum MessageType {
    REQUEST(1),
    RESPONSE(2),
    EVENT(4),
    CONTROL(8);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    /** The value written on the wire. */
    public int code() {
        return code;
    }

    /** The type for a wire value, or {@code null} when the value names no type. */
    public static MessageType fromCode(int code) {
        return switch (code) {
            case 1 -> REQUEST;
            case 2 -> RESPONSE;
            case 4 -> EVENT;
            case 8 -> CONTROL;
            default -> null;
        };
    }
}

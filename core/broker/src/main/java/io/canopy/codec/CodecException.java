package io.canopy.codec;

/**
 * Bytes that are not a valid Canopy message: truncated, oversized, of an unknown protocol version,
 * or not MessagePack at all. The only exception {@link MessageCodec} ever throws while decoding.
 */
public final class CodecException extends Exception {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}

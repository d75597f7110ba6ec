package io.canopy.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Blocking reads of whole length-prefixed frames, shared by the echo server and its client. */
final class Frames {
    private Frames() {}

    /** Reads until {@code buf} is full. */
    static void fill(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new EOFException("peer closed the connection");
            }
        }
    }
}

package io.canopy.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The baseline's server: a Unix domain socket that sends every length-prefixed frame straight back,
 * one blocking thread per connection. What is left of a Canopy round trip once the codec, the broker
 * and its routing are taken away.
 */
final class EchoServer implements AutoCloseable {
    private final Path dir;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    EchoServer() throws IOException {
        dir = Files.createTempDirectory("canopy-echo-");
        path = dir.resolve("echo");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        acceptor = new Thread(this::acceptLoop, "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    Path path() {
        return path;
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel ch = server.accept();
                Thread t = new Thread(() -> echo(ch), "echo-connection");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // closed: the benchmark is over
        }
    }

    private static void echo(SocketChannel ch) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try (ch) {
            while (true) {
                buf.clear().limit(4);
                Frames.fill(ch, buf);
                int n = buf.getInt(0);
                if (n < 0 || n > buf.capacity() - 4) {
                    return;
                }
                buf.limit(4 + n);
                Frames.fill(ch, buf);
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        } catch (EOFException e) {
            // the client went away
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
        Files.deleteIfExists(dir);
    }
}

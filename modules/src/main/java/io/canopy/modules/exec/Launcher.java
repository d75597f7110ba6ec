package io.canopy.modules.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.util.List;

/**
 * How job-exec reaches canopy-launch: by running it (a broker that is root, or one that only runs
 * its own user's jobs), or by connecting to the socket systemd listens on for it (a broker running
 * as the unprivileged canopy user: {@code canopy-launch.socket} starts one root launcher per
 * connection, outside the broker's sandbox).
 */
sealed interface Launcher {
    /** A new conversation with a launcher. */
    LaunchChannel open() throws IOException;

    /** Where the launcher is, for log lines and errors. */
    String describe();

    /** Runs the launcher at {@code program} (an absolute path) with an empty environment. */
    record Direct(Path program) implements Launcher {
        @Override
        public LaunchChannel open() throws IOException {
            ProcessBuilder pb = new ProcessBuilder(List.of(program.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT); // its rare complaints go to the broker's log
            pb.environment().clear(); // nothing of the broker's environment reaches it
            Process p = pb.start();
            InputStream in = p.getInputStream();
            OutputStream out = p.getOutputStream();
            return new LaunchChannel(in, out, () -> {
                out.close();
                in.close();
            }, program + " (pid " + p.pid() + ")");
        }

        @Override
        public String describe() {
            return program.toString();
        }
    }

    /** Connects to a launcher socket (systemd's {@code canopy-launch.socket}). */
    record Socket(Path path) implements Launcher {
        @Override
        public LaunchChannel open() throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                ch.close();
                throw new IOException("cannot connect to the launcher socket " + path + ": " + e.getMessage()
                        + " (is canopy-launch.socket running?)", e);
            }
            // not Channels.newInputStream: its streams share one lock, so a blocked read would stall every write
            InputStream in = new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return len == 0 ? 0 : ch.read(ByteBuffer.wrap(b, off, len));
                }
            };
            OutputStream out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            };
            return new LaunchChannel(in, out, ch, "socket " + path);
        }

        @Override
        public String describe() {
            return "socket " + path;
        }
    }
}

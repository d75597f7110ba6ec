package io.canopy.modules.exec;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One job's tasks on this node, as seen through its canopy-launch: the request goes out, then a
 * reader (on an I/O thread) turns the launcher's frames into calls on a {@link Listener}, and
 * {@link #signal} asks the launcher to signal every process of the job. {@link #ended} completes
 * when the launcher has said the job is over here (or has gone away), whatever thread waits.
 */
final class Launch {
    /** What the launcher reports, called on the reader's thread in the order it was said. */
    interface Listener {
        /** Every task is running. */
        void started();

        /** No task runs: the launcher refused or failed to start them, with an errno and its reason. */
        void failed(int errno, String message);

        void output(int task, String stream, String data);

        /** A task's main process ended: its exit code, or 128 + the signal that killed it. */
        void exited(int task, int status);

        /** The job's CPU time (µs) and peak memory (bytes) here, -1 where unknown, and how it was contained. */
        void usage(long cpuUsec, long memoryPeak, String containment);

        void warning(String message);

        /** Nothing of the job is left here and all its output has been reported. */
        void done();

        /** The launcher went away without saying the job was over. */
        void lost(String why);
    }

    private final LaunchChannel channel;
    private final Listener listener;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** Bytes of a character cut at the end of a task's last chunk, per task and stream. */
    private final Map<Long, byte[]> pending = new HashMap<>();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);

    private Launch(LaunchChannel channel, Listener listener) {
        this.channel = channel;
        this.listener = listener;
    }

    /** Opens a launcher, sends it the request, and reads its answers on {@code io}. */
    static Launch start(Launcher launcher, LaunchRequest request, Executor io, Listener listener) throws IOException {
        LaunchChannel ch = launcher.open();
        Launch l = new Launch(ch, listener);
        try {
            ch.out().write(LaunchProtocol.request(request));
            ch.out().flush();
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot send the job to the launcher " + ch.describe() + ": " + e.getMessage(), e);
        }
        io.execute(l::readAll);
        return l;
    }

    /** Completes once the launcher has reported the job over here, or is gone. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Asks the launcher to send {@code signal} to every process of the job here; false when it is gone. */
    synchronized boolean signal(int signal) {
        if (ended.isDone()) {
            return false;
        }
        try {
            OutputStream out = channel.out();
            out.write(LaunchProtocol.frame('k', Integer.toString(signal)));
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Ends the conversation: a launcher still running kills the job. */
    void close() {
        channel.close();
    }

    private void readAll() {
        boolean done = false;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(channel.in(), 1 << 16))) {
            for (LaunchProtocol.Frame f; !done && (f = LaunchProtocol.read(in)) != null; ) {
                done = dispatch(f);
            }
            if (!done) {
                listener.lost("the launcher " + channel.describe() + " ended without finishing the job");
            }
        } catch (IOException | RuntimeException e) {
            if (!done) {
                listener.lost("lost the launcher " + channel.describe() + ": " + e.getMessage());
            }
        } finally {
            channel.close();
            ended.complete(null);
        }
    }

    /** Hands one frame to the listener; true when it ends the conversation. */
    private boolean dispatch(LaunchProtocol.Frame f) throws IOException {
        switch (f.type()) {
            case 'S' -> listener.started();
            case 'F' -> {
                LaunchProtocol.LaunchFailure why = LaunchProtocol.failure(f);
                listener.failed(why.errno(), why.getMessage());
                return true;
            }
            case 'O', 'E' -> {
                String stream = f.type() == 'O' ? "stdout" : "stderr";
                String text = decode(f.task(), f.type(), f.data());
                if (!text.isEmpty()) {
                    listener.output(f.task(), stream, text);
                }
            }
            case 'X' -> listener.exited(f.task(), parseInt(f.text()));
            case 'U' -> {
                Map<String, String> kv = new HashMap<>();
                for (String item : f.text().split(" ")) {
                    int eq = item.indexOf('=');
                    if (eq > 0) {
                        kv.put(item.substring(0, eq), item.substring(eq + 1));
                    }
                }
                listener.usage(parseLong(kv.get("cpu_usec")), parseLong(kv.get("memory_peak")),
                        kv.getOrDefault("containment", "unknown"));
            }
            case 'W' -> listener.warning(f.text());
            case 'D' -> {
                listener.done();
                return true;
            }
            default -> throw new IOException("unknown launcher frame '" + f.type() + "'");
        }
        return false;
    }

    /** UTF-8 text of a chunk; a character cut between two chunks waits for the rest of its bytes. */
    private String decode(int task, char stream, byte[] data) {
        long key = ((long) task << 8) | stream;
        byte[] before = pending.remove(key);
        ByteBuffer in = before == null ? ByteBuffer.wrap(data)
                : ByteBuffer.allocate(before.length + data.length).put(before).put(data).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 4);
        utf8.reset().decode(in, out, false);
        if (in.hasRemaining()) {
            byte[] rest = new byte[in.remaining()];
            in.get(rest);
            pending.put(key, rest);
        }
        return out.flip().toString();
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return 255;
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

package io.canopy.modules.exec;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The frames job-exec and canopy-launch exchange over the launcher's standard input and output (or
 * its socket): one type byte, a 4-byte big-endian length, the payload. Requests go one way, the
 * tasks' output, exit statuses and the job's usage come back; docs/jobs.md has the table. The C
 * side is launcher/src/main/c/canopy-launch.c.
 */
final class LaunchProtocol {
    /** What the launcher must speak; it refuses any other. */
    static final String VERSION = "canopy-launch 1";
    /** Frames from the launcher carrying a task index before their data. */
    private static final String TASK_FRAMES = "OEX";
    /** Largest frame accepted from the launcher: its output chunks are at most 64 KiB. */
    private static final int MAX_FRAME = 1 << 20;

    /** One frame from the launcher; {@code task} is -1 for frames about the whole job. */
    record Frame(char type, int task, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private LaunchProtocol() {}

    /** Appends a frame of {@code type} with a text payload. */
    static void frame(ByteArrayOutputStream out, char type, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        out.write(type);
        out.writeBytes(ByteBuffer.allocate(4).putInt(v.length).array());
        out.writeBytes(v);
    }

    /** The bytes of one frame. */
    static byte[] frame(char type, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frame(out, type, value);
        return out.toByteArray();
    }

    /** The whole request for one job on this node, ending with the go frame. */
    static byte[] request(LaunchRequest r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frame(out, 'R', VERSION);
        frame(out, 'u', Integer.toUnsignedString(r.uid()));
        frame(out, 'j', Long.toString(r.jobId()));
        frame(out, 's', r.scope());
        frame(out, 'm', r.containment());
        frame(out, 'd', r.cwd());
        if (r.output() != null) {
            frame(out, 'o', r.output());
        }
        if (r.error() != null) {
            frame(out, 'e', r.error());
        }
        r.argv().forEach(a -> frame(out, 'a', a));
        r.env().forEach((k, v) -> frame(out, 'v', k + "=" + v));
        r.tasks().forEach(t -> frame(out, 't', Integer.toString(t)));
        frame(out, 'G', "");
        return out.toByteArray();
    }

    /** The next frame, or null at a clean end of input (between frames). */
    static Frame read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int len = in.readInt();
        if (len < 0 || len > MAX_FRAME) {
            throw new IOException("launcher frame '" + (char) type + "' of " + Integer.toUnsignedString(len) + " bytes");
        }
        int task = -1;
        if (TASK_FRAMES.indexOf(type) >= 0) {
            if (len < 4) {
                throw new IOException("launcher frame '" + (char) type + "' without its task");
            }
            task = in.readInt();
            len -= 4;
        }
        byte[] data = in.readNBytes(len);
        if (data.length < len) {
            throw new EOFException("launcher frame '" + (char) type + "' cut short");
        }
        return new Frame((char) type, task, data);
    }

    /** Reads the one answer of a probe or cleanup request. */
    static String answer(InputStream in) throws IOException {
        Frame f = read(new DataInputStream(in));
        if (f == null) {
            throw new EOFException("the launcher closed without an answer");
        }
        if (f.type() == 'F') {
            throw new IOException(failure(f).getMessage());
        }
        return f.text();
    }

    /** A refusal ({@code F}: "errno message") as an exception carrying the errno. */
    static LaunchFailure failure(Frame f) {
        String t = f.text();
        int sp = t.indexOf(' ');
        int errno;
        try {
            errno = Integer.parseInt(sp < 0 ? t : t.substring(0, sp));
        } catch (NumberFormatException e) {
            return new LaunchFailure(5, t);
        }
        return new LaunchFailure(errno, sp < 0 ? "failed" : t.substring(sp + 1));
    }

    /** Why the launcher refused a job: an errno and its own words. */
    record LaunchFailure(int errno, String getMessage) {}
}

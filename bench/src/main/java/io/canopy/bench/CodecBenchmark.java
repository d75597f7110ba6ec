package io.canopy.bench;

import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How fast {@link MessageCodec} turns a request with a 100-byte payload into bytes and back, on the
 * two paths the broker uses (header frame for ZeroMQ, envelope for the local socket), against a
 * floor measured in the same run: the same thirteen header values packed and unpacked with bare
 * msgpack-core into reused buffers, with no {@code Message} built. Read the results as ratios to
 * {@code baselineBareMsgpack}. Target (issue): at least 1,000,000 encode+decode per second on one core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:+UseSerialGC")
public class CodecBenchmark {
    private final MessageCodec codec = new MessageCodec();
    private Message request;
    private byte[] header;
    private MessageBufferPacker packer;
    private MessageUnpacker unpacker;
    private ArrayBufferInput input;

    @Setup
    public void setup() {
        byte[] payload = new byte[100];
        new Random(1).nextBytes(payload);
        // As a client sends it: credentials unset, no route yet.
        request = Message.request("hello.greet", NodeId.ANY, 4711, payload);
        header = codec.encodeHeader(request);
        packer = MessagePack.newDefaultBufferPacker();
        input = new ArrayBufferInput(header);
        unpacker = MessagePack.newDefaultUnpacker(input);
    }

    /** Header out and back in, the payload as is: the codec without any copying of the payload. */
    @Benchmark
    public Message headerFrames() throws CodecException {
        byte[] h = codec.encodeHeader(request);
        return codec.decode(h, request.payload());
    }

    /** The ZeroMQ path: one frame out ({@code encodeFrame}) and back ({@code decodeEnvelope}). */
    @Benchmark
    public Message zmqFrame() throws CodecException {
        return codec.decodeEnvelope(codec.encodeFrame(request));
    }

    /**
     * The local-socket path: an envelope out, its body copied out of the stream as the connector
     * does, and decoded.
     */
    @Benchmark
    public Message envelope() throws CodecException {
        ByteBuffer env = codec.encodeEnvelope(request);
        byte[] body = Arrays.copyOfRange(env.array(), 4, env.limit());
        return codec.decodeEnvelope(body);
    }

    /** Half of {@link #headerFrames}, to see which half costs what. */
    @Benchmark
    public byte[] encodeHeaderOnly() {
        return codec.encodeHeader(request);
    }

    /** The other half of {@link #headerFrames}. */
    @Benchmark
    public Message decodeHeaderOnly() throws CodecException {
        return codec.decode(header, request.payload());
    }

    /** The floor: the same values through bare msgpack-core, buffers reused, nothing built. */
    @Benchmark
    public void baselineBareMsgpack(Blackhole bh) throws IOException {
        Message m = request;
        MessageBufferPacker p = packer;
        p.clear();
        p.packArrayHeader(MessageCodec.HEADER_FIELDS);
        p.packInt(MessageCodec.MAGIC);
        p.packInt(Message.PROTOCOL_VERSION);
        p.packInt(m.type().code());
        p.packInt(m.flags());
        p.packString(m.topic());
        p.packInt(m.nodeid());
        p.packLong(m.matchtag());
        p.packInt(m.userid());
        p.packInt(m.rolemask());
        p.packInt(m.errnum());
        p.packNil();
        p.packLong(m.seq());
        p.packArrayHeader(0);
        p.flush();

        input.reset(p.toMessageBuffer().array(), 0, p.getBufferSize());
        MessageUnpacker u = unpacker;
        u.reset(input);
        bh.consume(u.unpackArrayHeader());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackString());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackLong());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackInt());
        bh.consume(u.unpackInt());
        u.unpackNil();
        bh.consume(u.unpackLong());
        bh.consume(u.unpackArrayHeader());
    }
}

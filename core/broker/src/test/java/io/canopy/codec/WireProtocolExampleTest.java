package io.canopy.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.NodeId;
import io.canopy.message.Role;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The annotated hex dumps in {@code docs/wire-protocol.md}, which were captured from
 * {@code canopy ping broker} and a broker's answer: the codec must still write and read exactly
 * these bytes, or the document (and every other implementation) is wrong.
 */
class WireProtocolExampleTest {
    /** The first {@code broker.ping} request of {@code canopy ping broker}: envelope with its prefix. */
    static final String PING_REQUEST = "00000028" + "00000019"
            + "9d" + "43" + "01" + "01" + "00" + "ab62726f6b65722e70696e67" + "ff" + "01" + "ff" + "00" + "00"
            + "c0" + "00" + "90"
            + "82a3706164a0a373657100";
    /** The broker's response to it, sent to a client running as root. */
    static final String PING_RESPONSE = "00000028" + "00000019"
            + "9d" + "43" + "01" + "02" + "00" + "ab62726f6b65722e70696e67" + "ff" + "01" + "00" + "05" + "00"
            + "c0" + "00" + "90"
            + "82a3706164a0a373657100";
    private static final byte[] PAYLOAD = HexFormat.of().parseHex("82a3706164a0a373657100"); // {pad:"",seq:0}

    private final MessageCodec codec = new MessageCodec();

    @Test
    void thePingRequestIsEncodedAsDocumented() throws CodecException {
        Message ping = Message.request("broker.ping", NodeId.ANY, 1, PAYLOAD);

        ByteBuffer env = codec.encodeEnvelope(ping);

        assertEquals(PING_REQUEST, HexFormat.of().formatHex(env.array(), 0, env.limit()));
    }

    @Test
    void thePingResponseDecodesAsDocumented() throws CodecException {
        byte[] all = HexFormat.of().parseHex(PING_RESPONSE);

        Message m = codec.decodeEnvelope(Arrays.copyOfRange(all, 4, all.length));

        assertEquals(new Message(MessageType.RESPONSE, 0, "broker.ping", NodeId.ANY, 1, 0,
                Role.OWNER | Role.LOCAL, 0, null, 0, List.of(), PAYLOAD), m);
    }
}

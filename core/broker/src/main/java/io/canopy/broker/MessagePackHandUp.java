package io.canopy.broker;

import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;

/** The hand-up as MessagePack of the rank, the host, the areas and the children's checkpoints: nothing but the core. */
final class MessagePackHandUp implements HandUpFormat {

    /** What is written. */
    record Handed(int rank, String host, Contents contents) {}

    @Override
    public byte[] write(int rank, String host, Contents contents) {
        return Payloads.encode(new Handed(rank, host, contents));
    }

    @Override
    public Contents read(byte[] handed) throws IOException {
        try {
            return Payloads.decode(handed, Handed.class).contents();
        } catch (RpcException e) {
            throw new IOException("the checkpoint from the parent is unreadable: " + e.getMessage(), e);
        }
    }
}

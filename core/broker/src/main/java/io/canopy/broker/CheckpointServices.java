package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.io.IOException;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The state keeper's topics, both ends of them, beside the {@link StateKeeper} they front:
 * <ul>
 *   <li>{@code state.checkpoint-get} (owner, early): a child asks for the checkpoint kept for it,
 *       which the keeper hands back once and forgets ({@code {"rank"}} to {@code {"checkpoint"}});
 *   <li>{@code state.checkpoint-drop} (owner, early, no response): a child that rejoined with its
 *       live state says the kept checkpoint can go ({@code {"rank"}}).
 * </ul>
 * A follower asks its parent with {@link #restoreFromParent} at init and sends the drop with
 * {@link #dropAtParent} when it rejoins. What children hand up at shutdown reaches the keeper
 * through the {@link ShutdownCoordinator}. Used on the broker thread only.
 */
final class CheckpointServices {
    private static final Logger LOG = LogManager.getLogger(CheckpointServices.class);

    private final BrokerContext ctx;

    CheckpointServices(BrokerContext ctx) {
        this.ctx = ctx;
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("state.checkpoint-get", Access.OWNER, true, this::get);
        registry.addBuiltin("state.checkpoint-drop", Access.OWNER, true, this::drop);
    }

    /**
     * A follower's init: asks the parent for the checkpoint it kept for this broker and restores it
     * (or carries on without it, saying why), then runs {@code then}.
     */
    void restoreFromParent(Runnable then) {
        Message ask = ctx.rpc().prepare(request("state.checkpoint-get"), resp -> {
            if (resp.isError()) {
                LOG.warn("could not get this broker's checkpoint from the parent ({}); starting without it",
                        resp.errstr());
            } else {
                try {
                    byte[] cp = Payloads.tree(resp.payload()).path("checkpoint").binaryValue();
                    if (cp != null && cp.length > 0) {
                        ctx.keeper().restore(cp);
                        LOG.info("restored this broker's checkpoint from the parent ({} bytes)", cp.length);
                    }
                } catch (IOException | RpcException e) {
                    LOG.error("the checkpoint from the parent is unusable ({}); starting without it", e.getMessage());
                }
            }
            then.run();
        });
        ctx.router().request(ask.pushRoute(ctx.rpc().id()));
    }

    /** A rejoin: this broker kept its live state, so the parent may forget the checkpoint it kept for it. */
    void dropAtParent() {
        ctx.toParent(request("state.checkpoint-drop").withFlags(Message.FLAG_NORESPONSE));
    }

    private Message request(String topic) {
        return Message.request(topic, ctx.topology().parent(), 0, Payloads.encode(Map.of("rank", ctx.config().rank())))
                .withCredentials(ctx.config().ownerUid(), Role.OWNER);
    }

    private void get(Message req) throws RpcException {
        int child = Payloads.tree(req.payload()).path("rank").asInt(-1);
        try {
            byte[] cp = ctx.keeper().takeChild(child).orElse(new byte[0]);
            ctx.router().respond(req.response(Payloads.encode(Map.of("checkpoint", cp))));
        } catch (IOException e) {
            throw new RpcException(Errno.EIO, "cannot read the checkpoint kept for rank " + child + ": " + e.getMessage());
        }
    }

    private void drop(Message req) throws RpcException {
        int child = Payloads.tree(req.payload()).path("rank").asInt(-1);
        try {
            ctx.keeper().dropChild(child);
        } catch (IOException e) {
            throw new RpcException(Errno.EIO, e.getMessage());
        }
    }
}

package io.canopy.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Message;
import io.canopy.message.Role;
import io.canopy.module.Payloads;
import io.canopy.module.Request;
import io.canopy.module.RpcException;

/** A request as handed to a module handler: the message, plus a way to answer it exactly once. */
final class RequestView implements Request {
    private final Message message;
    private final ModuleRunner runner;
    private boolean answered;

    RequestView(Message message, ModuleRunner runner) {
        this.message = message;
        this.runner = runner;
    }

    @Override
    public String topic() {
        return message.topic();
    }

    @Override
    public int userid() {
        return message.userid();
    }

    @Override
    public int rolemask() {
        return message.rolemask();
    }

    @Override
    public boolean isOwner() {
        return Role.has(message.rolemask(), Role.OWNER);
    }

    @Override
    public byte[] payloadBytes() {
        return message.payload();
    }

    @Override
    public <T> T payload(Class<T> type) throws RpcException {
        return Payloads.decode(message.payload(), type);
    }

    @Override
    public JsonNode payloadTree() throws RpcException {
        return Payloads.tree(message.payload());
    }

    @Override
    public void respond(Object body) {
        if (claim()) {
            runner.send(message.response(Payloads.encode(body)));
        }
    }

    @Override
    public void respondPart(Object body) {
        if (answered) {
            runner.log().warn("{} streamed a part after its final answer; the part is dropped", message.topic());
            return;
        }
        runner.send(message.response(Payloads.encode(body)).withFlags(Message.FLAG_STREAMING));
    }

    @Override
    public void respondError(int errnum, String text) {
        if (claim()) {
            runner.send(message.errorResponse(errnum, text));
        }
    }

    private boolean claim() {
        if (answered) {
            runner.log().warn("{} answered twice; the second answer is dropped", message.topic());
            return false;
        }
        answered = true;
        return true;
    }
}

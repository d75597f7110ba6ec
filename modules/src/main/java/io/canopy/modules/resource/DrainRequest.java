package io.canopy.modules.resource;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.module.RpcException;

/**
 * The body of {@code resource.drain} and {@code resource.undrain}, with the previous release's
 * dialect read too (flux-core's upgrade.c in spirit). This release sends
 * {@code {"targets", "reason", "mode", "source"}}. The previous release sent no {@code mode} and no
 * {@code source}: its CLI sent {@code force} (replace the whole record), its job-exec only
 * {@code targets} and {@code reason}, and a node already drained was left as it was without an
 * error. Such a request keeps those meanings: {@link DrainMode#FORCE_OVERWRITE} with {@code force},
 * else {@link DrainMode#UPDATE}; its source is guessed from its reason ({@link DrainSource#infer}).
 *
 * @param targets ranks or hosts, as typed
 * @param reason  why (may be empty)
 * @param mode    what to do with a node already drained by the same source
 * @param source  whose drain it is; for an undrain, null means every source
 */
record DrainRequest(String targets, String reason, DrainMode mode, DrainSource source) {
    static final String TARGETS = "targets";
    static final String REASON = "reason";
    static final String MODE = "mode";
    static final String SOURCE = "source";
    /** The previous release's {@code resource.drain} flag. */
    static final String FORCE = "force";

    /** A {@code resource.drain} body. */
    static DrainRequest drain(JsonNode b) throws RpcException {
        String reason = b.path(REASON).asText("");
        boolean oldDialect = !b.has(MODE) && !b.has(SOURCE);
        if (oldDialect) {
            DrainMode mode = b.path(FORCE).asBoolean(false) ? DrainMode.FORCE_OVERWRITE : DrainMode.UPDATE;
            return new DrainRequest(b.path(TARGETS).asText(""), reason, mode, DrainSource.infer(reason));
        }
        return new DrainRequest(b.path(TARGETS).asText(""), reason, DrainMode.parse(b.path(MODE).asText("")),
                DrainSource.parse(b.path(SOURCE).asText("")));
    }

    /** A {@code resource.undrain} body: without {@code source}, every drain of the targets goes. */
    static DrainRequest undrain(JsonNode b) throws RpcException {
        String source = b.path(SOURCE).asText("");
        return new DrainRequest(b.path(TARGETS).asText(""), b.path(REASON).asText(""), DrainMode.FAIL,
                source.isEmpty() ? null : DrainSource.parse(source));
    }
}

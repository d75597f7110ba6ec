package io.canopy.modules.rexec;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code rexec.exec} asks to run: the command, its directory, its environment (the caller's,
 * with {@code CANOPY_URI} pointing at this broker) and whether it reads standard input.
 */
record ProcSpec(List<String> argv, String cwd, Map<String, String> env, boolean stdin) {

    static ProcSpec of(JsonNode body, String localUri) throws RpcException {
        List<String> argv = new ArrayList<>();
        body.path("cmd").forEach(a -> argv.add(a.asText()));
        if (argv.isEmpty()) {
            throw new RpcException(Errno.EINVAL, "rexec.exec: no command given");
        }
        Map<String, String> env = new LinkedHashMap<>();
        body.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        env.remove("NOTIFY_SOCKET"); // a command must not speak to systemd as the broker's unit
        env.put("CANOPY_URI", localUri);
        String cwd = body.path("cwd").asText("/");
        return new ProcSpec(argv, cwd.isEmpty() ? "/" : cwd, env, body.path("stdin").asBoolean(false));
    }
}

package io.canopy.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.message.Errno;
import io.canopy.message.Message;
import io.canopy.module.Access;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loading and unloading modules at run time:
 * <ul>
 *   <li>{@code module.list} (user): the loaded modules with their state and services.
 *   <li>{@code module.load} (owner): {@code {"path": "NAME|PATH.jar", "args": {"k": "v"}}}; answers
 *       once the module's {@code start} returned.
 *   <li>{@code module.remove} (owner): {@code {"name": "hello"}}; answers once it stopped.
 * </ul>
 */
final class ModuleServices {
    private final BrokerContext ctx;

    ModuleServices(BrokerContext ctx) {
        this.ctx = ctx;
    }

    void register(ServiceRegistry registry) {
        registry.addBuiltin("module.list", Access.USER, true, this::list);
        registry.addBuiltin("module.load", Access.OWNER, false, this::load);
        registry.addBuiltin("module.remove", Access.OWNER, false, this::remove);
    }

    /** One row of {@code module.list}. */
    record Info(String name, String state, List<String> services, String source, long loaded,
            long handled, int queued) {}

    private void list(Message req) {
        List<Info> rows = new ArrayList<>();
        for (ModuleRunner r : ctx.modules().loaded()) {
            rows.add(new Info(r.name(), r.state().name(), ctx.router().registry().servicesOf(r.id()),
                    r.source(), r.loadedAt().toEpochMilli(), r.handled(), r.queued()));
        }
        rows.sort(Comparator.comparing(Info::name));
        ctx.router().respond(req.response(Payloads.encode(Map.of("modules", rows))));
    }

    private void load(Message req) throws RpcException {
        JsonNode body = Payloads.tree(req.payload());
        String spec = body.path("path").asText("");
        if (spec.isEmpty()) {
            throw new RpcException(Errno.EINVAL, "module.load needs a path or a built-in name, e.g. {\"path\":\"/opt/hello.jar\"}");
        }
        Map<String, String> args = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : body.path("args").properties()) {
            args.put(e.getKey(), e.getValue().asText());
        }
        ModuleHost host = ctx.modules();
        host.start(host.instantiate(spec), args, (runner, failure) -> ctx.execute(() -> {
            if (failure == null) {
                ctx.router().respond(req.response(Payloads.encode(Map.of("name", runner.name(),
                        "services", ctx.router().registry().servicesOf(runner.id())))));
                return;
            }
            host.discard(runner);
            runner.log().error("module {} failed to start: {}", runner.name(), failure.toString(), failure);
            ctx.router().respond(req.errorResponse(Errno.EIO, "module " + runner.name()
                    + " failed to start: " + failure + " (see `canopy dmesg`)"));
        }));
    }

    private void remove(Message req) throws RpcException {
        String name = Payloads.tree(req.payload()).path("name").asText("");
        ModuleRunner runner = ctx.modules().get(name);
        if (runner == null) {
            throw new RpcException(Errno.ENOENT, "module " + name + " is not loaded (`canopy module list` shows what is)");
        }
        ctx.modules().unload(runner, failure -> ctx.router().respond(failure == null
                ? req.response(Payloads.encode(Map.of("name", name)))
                : req.errorResponse(Errno.EIO, "module " + name + " failed while stopping: " + failure
                        + "; it is unloaded anyway")));
    }
}

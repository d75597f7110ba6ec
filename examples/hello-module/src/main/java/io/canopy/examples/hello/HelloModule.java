package io.canopy.examples.hello;

import io.canopy.message.Errno;
import io.canopy.module.Access;
import io.canopy.module.BrokerModule;
import io.canopy.module.ModuleContext;
import io.canopy.module.RpcException;

/**
 * The smallest useful Canopy module, and the template for writing one: it serves
 * {@code hello.greet}, answering {@code {"name":"x"}} with a greeting, and counts the greetings it
 * gave in its checkpoint, so the count survives a reload of the module.
 *
 * <p>Topics: {@code hello.greet} (any local user).
 */
public final class HelloModule implements BrokerModule {

    /** What a caller sends. */
    public record GreetRequest(String name) {}

    /** What the module answers. */
    public record Greeting(String greeting, long count, int rank) {}

    private ModuleContext context;
    private long count;

    @Override
    public String name() {
        return "hello";
    }

    @Override
    public void start(ModuleContext ctx) throws Exception {
        this.context = ctx;
        this.count = ctx.checkpoint().get("count", Long.class).orElse(0L);
        String salutation = ctx.config().get("salutation", "Hello");
        ctx.serve("hello.greet", Access.USER, request -> {
            GreetRequest in = request.payload(GreetRequest.class);
            if (in.name() == null || in.name().isBlank()) {
                throw new RpcException(Errno.EINVAL, "hello.greet needs a name, e.g. {\"name\":\"world\"}");
            }
            count++;
            request.respond(new Greeting(salutation + ", " + in.name() + "!", count, ctx.rank()));
        });
        ctx.log().info("hello module started on rank {} ({} greetings so far)", ctx.rank(), count);
    }

    @Override
    public void stop() {
        context.checkpoint().put("count", count);
    }
}

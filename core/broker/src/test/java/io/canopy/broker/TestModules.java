package io.canopy.broker;

import io.canopy.message.Errno;
import io.canopy.module.Access;
import io.canopy.module.BrokerModule;
import io.canopy.module.Event;
import io.canopy.module.ModuleContext;
import io.canopy.module.RpcException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Small modules that exercise one part of the module API each, found through META-INF/services. */
final class TestModules {
    private TestModules() {}

    /** Serves echo.say (user) and echo.thread (the name of the thread the handler ran on). */
    public static final class Echo implements BrokerModule {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public void start(ModuleContext ctx) {
            ctx.serve("echo.say", Access.USER, r -> r.respond(r.payloadBytes()));
            ctx.serve("echo.thread", r -> r.respond(Map.of("thread", Thread.currentThread().getName())));
            ctx.serve("echo.later", r -> ctx.schedule(Duration.ofMillis(20), () -> r.respond(Map.of("late", true))));
        }
    }

    /** Calls echo.say through an RPC and publishes/receives events; records where callbacks ran. */
    public static final class Caller implements BrokerModule {
        static final List<String> CALLBACK_THREADS = new CopyOnWriteArrayList<>();
        static final List<Event> EVENTS = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "caller";
        }

        @Override
        public void start(ModuleContext ctx) {
            ctx.subscribe("test.", EVENTS::add);
            ctx.serve("caller.relay", r -> ctx.rpc("echo.say", r.payloadBytes()).whenComplete((resp, err) -> {
                CALLBACK_THREADS.add(Thread.currentThread().getName());
                if (err != null) {
                    r.respondError(err instanceof RpcException e ? e.errnum() : Errno.EIO, err.getMessage());
                } else {
                    r.respond(resp.payload());
                }
            }));
            ctx.serve("caller.publish", r -> {
                ctx.publish(r.payloadTree().path("topic").asText(), Map.of("n", 1));
                r.respond(null);
            });
        }
    }

    /** Throws from a handler (faulty.boom) and from a timer (faulty.timer-boom). */
    public static final class Faulty implements BrokerModule {
        @Override
        public String name() {
            return "faulty";
        }

        @Override
        public void start(ModuleContext ctx) {
            ctx.serve("faulty.boom", r -> {
                throw new IllegalStateException("boom");
            });
            ctx.serve("faulty.timer-boom", r -> {
                r.respond(null);
                ctx.schedule(Duration.ofMillis(1), () -> {
                    throw new IllegalStateException("timer boom");
                });
            });
        }
    }

    /** Holds the broker in init until {@link #OPEN} is counted down (for not-ready tests). */
    public static final class Gate implements BrokerModule {
        static volatile CountDownLatch OPEN = new CountDownLatch(0);

        @Override
        public String name() {
            return "gate";
        }

        @Override
        public void start(ModuleContext ctx) throws InterruptedException {
            if (!OPEN.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate never opened");
            }
        }
    }

    /** Counts counter.inc calls in its checkpoint; stop() saves the count. */
    public static final class Counter implements BrokerModule {
        static final List<String> STOPPED = new CopyOnWriteArrayList<>();
        private ModuleContext ctx;
        private long count;

        @Override
        public String name() {
            return "counter";
        }

        @Override
        public void start(ModuleContext context) throws Exception {
            ctx = context;
            count = ctx.checkpoint().get("count", Long.class).orElse(0L);
            ctx.serve("counter.inc", r -> r.respond(Map.of("count", ++count)));
        }

        @Override
        public void stop() {
            ctx.checkpoint().put("count", count);
            STOPPED.add(name());
        }
    }
}

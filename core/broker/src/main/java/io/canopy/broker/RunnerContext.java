package io.canopy.broker;

import io.canopy.message.Message;
import io.canopy.module.Access;
import io.canopy.module.Checkpoint;
import io.canopy.module.EventHandler;
import io.canopy.module.ModuleConfig;
import io.canopy.module.ModuleContext;
import io.canopy.module.Payloads;
import io.canopy.module.RequestHandler;
import io.canopy.module.Response;
import io.canopy.module.Timer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.apache.logging.log4j.Logger;

/** The {@link ModuleContext} a module gets: each call turns into work for its runner or broker. */
final class RunnerContext implements ModuleContext {
    private final ModuleRunner runner;
    private final BrokerLink broker;
    private final Checkpoint checkpoint;

    RunnerContext(ModuleRunner runner, BrokerLink broker, Checkpoint checkpoint) {
        this.runner = runner;
        this.broker = broker;
        this.checkpoint = checkpoint;
    }

    @Override
    public String moduleName() {
        return runner.name();
    }

    @Override
    public int rank() {
        return broker.rank();
    }

    @Override
    public int size() {
        return broker.size();
    }

    @Override
    public int ownerUid() {
        return broker.ownerUid();
    }

    @Override
    public String hostname() {
        return broker.hostname();
    }

    @Override
    public String localUri() {
        return broker.localUri();
    }

    @Override
    public void serve(String topic, Access access, RequestHandler handler) {
        broker.serve(runner, topic, access);
        runner.addHandler(topic, handler);
    }

    @Override
    public CompletableFuture<Response> rpc(int nodeid, String topic, Object payload) {
        CompletableFuture<Response> raw = runner.sendRpc(Message.request(topic, nodeid, 0, Payloads.encode(payload)));
        return raw;
    }

    @Override
    public void publish(String topic, Object payload) {
        runner.send(Message.event(topic, Payloads.encode(payload)));
    }

    @Override
    public void subscribe(String topicPrefix, EventHandler handler) {
        runner.addEventHandler(topicPrefix, handler);
        broker.subscribe(runner, topicPrefix, true);
    }

    @Override
    public void unsubscribe(String topicPrefix) {
        if (runner.removeEventHandler(topicPrefix)) {
            broker.subscribe(runner, topicPrefix, false);
        }
    }

    @Override
    public Timer schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = runner.schedule(task, delay.toNanos(), 0);
        return () -> f.cancel(false);
    }

    @Override
    public Timer scheduleAtFixedRate(Duration period, Runnable task) {
        ScheduledFuture<?> f = runner.schedule(task, period.toNanos(), period.toNanos());
        return () -> f.cancel(false);
    }

    @Override
    public ModuleConfig config() {
        return runner.config();
    }

    @Override
    public Logger log() {
        return runner.log();
    }

    @Override
    public Checkpoint checkpoint() {
        return checkpoint;
    }
}

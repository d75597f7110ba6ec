package io.canopy.tests.harness;

import io.canopy.client.CanopyClient;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One real broker process for a test class: {@code canopy broker} started by {@link TestInstance}
 * in a temporary rundir (0755; the socket is 0777, so other users reach it), returned once it is
 * in state run. {@link #close()} stops it with SIGTERM and removes the rundir.
 */
public final class BrokerFixture implements AutoCloseable {
    private final TestInstance instance;

    private BrokerFixture(TestInstance instance) {
        this.instance = instance;
    }

    public static BrokerFixture start() throws IOException {
        return new BrokerFixture(TestInstance.start(null, List.of(), Duration.ofSeconds(60)));
    }

    /** {@code local://RUNDIR/local}. */
    public String uri() {
        return instance.uri();
    }

    public Path socket() {
        return instance.socket();
    }

    /** {@code bin/canopy} with {@code CANOPY_URI} pointing here. */
    public Cli cli() {
        return Cli.forUri(uri());
    }

    /** An in-process client of this broker, for what the CLI cannot do (hold a connection open). */
    public CanopyClient connect() throws IOException {
        return CanopyClient.connect(socket());
    }

    public boolean isAlive() {
        return instance.process().isAlive();
    }

    /** The broker's own log, for assertion messages. */
    public String logTail() {
        return instance.logTail(40);
    }

    @Override
    public void close() {
        instance.close();
    }
}

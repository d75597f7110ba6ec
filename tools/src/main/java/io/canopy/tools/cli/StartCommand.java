package io.canopy.tools.cli;

import io.canopy.module.Durations;
import io.canopy.tools.launch.TestInstance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code canopy start --test-size=N [CMD ARGS...]}: a test instance of real broker processes. With
 * CMD, runs it with {@code CANOPY_URI} set, shuts the instance down and exits with CMD's status;
 * without, prints how to connect and runs until interrupted.
 */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a test instance of real broker processes in a temporary directory; run CMD "
                + "inside it (CANOPY_URI set) and exit with its status, or wait until interrupted.")
public final class StartCommand implements Callable<Integer> {
    @Option(names = {"-s", "--test-size"}, defaultValue = "1", description = "Brokers to start (default: 1).")
    int size;

    @Option(names = "--brokers-per-process", paramLabel = "K", defaultValue = "1",
            description = "Brokers packed into each JVM: ranks 0..K-1 share the first, and so on; each keeps its "
                    + "own socket, address, overlay, modules and log (default: 1, a JVM per broker).")
    int perProcess;

    @Option(names = "--fanout", defaultValue = "2", description = "Children per broker in the tree (default: 2).")
    int fanout;

    @Option(names = "--rundir", description = "Use this directory instead of a temporary one (kept afterwards).")
    Path rundir;

    @Option(names = "--module", paramLabel = "NAME", description = "A built-in module to load in every broker (repeatable).")
    List<String> modules = List.of();

    @Option(names = "--timeout", defaultValue = "120s", description = "How long to wait for the instance to run.")
    String timeout;

    @Parameters(arity = "0..*", paramLabel = "CMD", description = "A command to run inside the instance.")
    List<String> command = List.of();

    @Spec
    CommandSpec spec;

    /** The most brokers one test instance may have (the loopback addresses run out long after). */
    static final int MAX_SIZE = 4096;

    @Override
    public Integer call() throws Exception {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("--test-size=" + size + ": give 1 to " + MAX_SIZE + " brokers");
        }
        if (perProcess < 1) {
            throw new IllegalArgumentException("--brokers-per-process=" + perProcess + ": give at least 1");
        }
        if (fanout < 1) {
            throw new IllegalArgumentException("--fanout=" + fanout + ": give at least 1");
        }
        List<String> brokerArgs = new ArrayList<>();
        for (String m : modules) {
            brokerArgs.add("--module");
            brokerArgs.add(m);
        }
        PrintWriter err = spec.commandLine().getErr();
        TestInstance.Options options = TestInstance.Options.of(size).fanout(fanout).rundir(rundir)
                .brokerArgs(brokerArgs).timeout(Durations.parse("--timeout", timeout))
                .brokersPerProcess(Math.min(perProcess, size))
                // `canopy resource reboot` restarts a broker with a new boot id (a JVM per broker only)
                .fakeReboot(size > 1 && perProcess == 1);

        try (TestInstance instance = TestInstance.start(options)) {
            // SIGTERM or Ctrl-C ends this JVM with its shutdown hooks only: the brokers and the
            // command are stopped there, or they would run on without anyone to stop them
            AtomicReference<Process> started = new AtomicReference<>();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Process p = started.get();
                if (p != null) {
                    p.destroy();
                }
                instance.close();
            }, "stop-test-instance"));
            if (command.isEmpty()) {
                return waitForInterrupt(instance);
            }
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().putAll(instance.environment());
            try {
                started.set(pb.start());
            } catch (java.io.IOException e) {
                err.println("canopy: cannot run " + command.get(0) + ": " + e.getMessage());
                return 127;
            }
            return started.get().waitFor();
        }
    }

    private int waitForInterrupt(TestInstance instance) throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        out.println("canopy: test instance of " + size + " broker" + (size == 1 ? "" : "s")
                + (perProcess > 1 ? " in " + instance.processCount() + " JVMs" : "")
                + " running (rank 0 pid " + instance.process().pid() + ")");
        out.println("canopy: connect with: export CANOPY_URI=" + instance.uri());
        out.println("canopy: press Ctrl-C to shut it down");
        out.flush();
        instance.process().waitFor();
        return instance.exitValue();
    }
}

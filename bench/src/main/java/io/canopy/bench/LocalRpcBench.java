package io.canopy.bench;

import io.canopy.client.CanopyClient;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.message.NodeId;
import io.canopy.module.Payloads;
import io.canopy.tools.launch.TestInstance;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToDoubleFunction;

/**
 * Round trips to a real broker over its local socket: {@code broker.ping} one at a time (median and
 * p99 latency, rate) and pipelined from one client (requests per second), each next to a baseline
 * from the same run: the same bytes through a trivial Unix-socket echo server in this process, with
 * a client built like {@code CanopyClient}. Targets (issue): median under 100 µs unpipelined, at
 * least 50,000 requests per second pipelined.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.canopy.bench.LocalRpcBench [--calls N]
 * [--pipelined N] [--window N] [--rounds N] [--warmup N] [--deadline SECONDS]}.
 */
public final class LocalRpcBench {
    private final Map<String, Integer> opts;

    private LocalRpcBench(Map<String, Integer> opts) {
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Integer> opts = new LinkedHashMap<>(Map.of("calls", 20_000, "pipelined", 200_000,
                "window", 256, "rounds", 3, "warmup", 50_000, "deadline", 600));
        for (int i = 0; i + 1 < args.length; i += 2) {
            String key = args[i].replaceFirst("^--", "");
            if (!opts.containsKey(key)) {
                System.err.println("unknown option " + args[i] + "; known: " + opts.keySet());
                System.exit(2);
            }
            opts.put(key, Integer.parseInt(args[i + 1]));
        }
        // Everything runs under one deadline, so a hung broker or socket cannot hang the benchmark.
        FutureTask<Void> run = new FutureTask<>(() -> {
            new LocalRpcBench(opts).run();
            return null;
        });
        Thread worker = new Thread(run, "local-rpc-bench");
        worker.setDaemon(true);
        worker.start();
        try {
            run.get(opts.get("deadline"), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            System.err.println("LocalRpcBench: not done within " + opts.get("deadline") + " s; giving up");
            System.exit(1);
        } catch (ExecutionException e) {
            e.getCause().printStackTrace();
            System.exit(1);
        }
    }

    private void run() throws Exception {
        int calls = opts.get("calls");
        int pipelined = opts.get("pipelined");
        int window = opts.get("window");
        int rounds = opts.get("rounds");
        System.out.printf("LocalRpcBench %s, %d cpus, java %s (%s), load before: %s%n",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"), loadAverage());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pad", "");
        body.put("seq", 0);
        Message ping = Message.request("broker.ping", NodeId.ANY, 0, Payloads.encode(body));
        ByteBuffer env = new MessageCodec().encodeEnvelope(ping.withMatchtag(1));
        byte[] frame = Arrays.copyOf(env.array(), env.limit());
        System.out.printf("request: broker.ping, %d-byte envelope; %d unpipelined calls and %d pipelined"
                + " (window %d) per round, %d rounds%n%n", frame.length, calls, pipelined, window, rounds);

        List<Round> measured = new ArrayList<>();
        try (EchoServer echo = new EchoServer();
                TestInstance instance = TestInstance.start(null, List.of(), Duration.ofSeconds(60));
                RoundTripper canopy = new CanopyPing(CanopyClient.connect(instance.socket()), ping);
                RoundTripper echoClient = new EchoClient(echo.path(), frame)) {
            long brokerPid = instance.process().pid();
            long ownPid = ProcessHandle.current().pid();
            int warmup = opts.get("warmup");
            for (RoundTripper rt : List.of(canopy, echoClient)) {
                RoundTrips.unpipelined(rt, warmup);
                RoundTrips.pipelined(rt, warmup * 5, window);
            }
            RoundTrips.blockingEcho(echo.path(), frame, warmup);
            System.out.println("      | unpipelined, each: median µs, p99 µs, calls/s"
                    + "                                     | pipelined, requests/s");
            for (int r = 1; r <= rounds; r++) {
                RoundTrips.Result canopyCalls = RoundTrips.unpipelined(canopy, calls);
                RoundTrips.Result echoCalls = RoundTrips.unpipelined(echoClient, calls);
                RoundTrips.Result blockingCalls = RoundTrips.blockingEcho(echo.path(), frame, calls);
                CpuTime brokerCpu = CpuTime.of(brokerPid);
                CpuTime ownCpu = CpuTime.of(ownPid);
                RoundTrips.Result canopyPipe = RoundTrips.pipelined(canopy, pipelined, window);
                brokerCpu = CpuTime.of(brokerPid).minus(brokerCpu);
                ownCpu = CpuTime.of(ownPid).minus(ownCpu);
                RoundTrips.Result echoPipe = RoundTrips.pipelined(echoClient, pipelined, window);
                Round round = new Round(canopyCalls, echoCalls, blockingCalls, canopyPipe, echoPipe,
                        brokerCpu, ownCpu);
                measured.add(round);
                System.out.printf("%5d | canopy %s  echo %s  blocking echo %s | canopy %8.0f  echo %8.0f%n", r,
                        latencies(canopyCalls), latencies(echoCalls), latencies(blockingCalls),
                        canopyPipe.perSecond(), echoPipe.perSecond());
            }
        }
        summarize(measured);
        System.out.println("load after: " + loadAverage());
    }

    /** What one round measured; the CPU times are those of the pipelined Canopy run. */
    private record Round(RoundTrips.Result canopyCalls, RoundTrips.Result echoCalls,
            RoundTrips.Result blockingCalls, RoundTrips.Result canopyPipelined,
            RoundTrips.Result echoPipelined, CpuTime brokerCpu, CpuTime clientCpu) {}

    private static String latencies(RoundTrips.Result r) {
        return String.format("%6.1f %7.1f %7.0f", r.percentileMicros(50), r.percentileMicros(99), r.perSecond());
    }

    private static void summarize(List<Round> rounds) {
        double median = median(rounds, r -> r.canopyCalls().percentileMicros(50));
        double echoMedian = median(rounds, r -> r.echoCalls().percentileMicros(50));
        double blockingMedian = median(rounds, r -> r.blockingCalls().percentileMicros(50));
        double pipe = median(rounds, r -> r.canopyPipelined().perSecond());
        double echoPipe = median(rounds, r -> r.echoPipelined().perSecond());
        System.out.printf("%nmedian of %d rounds:%n", rounds.size());
        System.out.printf("  unpipelined broker.ping: median %.1f µs, p99 %.1f µs, %.0f calls/s%n", median,
                median(rounds, r -> r.canopyCalls().percentileMicros(99)),
                median(rounds, r -> r.canopyCalls().perSecond()));
        System.out.printf("    baseline echo, same client design: median %.1f µs, p99 %.1f µs, %.0f calls/s;"
                + " canopy/echo median %.2fx%n", echoMedian,
                median(rounds, r -> r.echoCalls().percentileMicros(99)),
                median(rounds, r -> r.echoCalls().perSecond()), median / echoMedian);
        System.out.printf("    baseline blocking echo, no reader thread: median %.1f µs; canopy/blocking %.2fx%n",
                blockingMedian, median / blockingMedian);
        System.out.printf("    target median < 100 µs: %s%n", median < 100 ? "met" : "MISSED");
        System.out.printf("  pipelined broker.ping: %.0f requests/s; baseline echo %.0f requests/s;"
                + " canopy/echo %.2f%n", pipe, echoPipe, pipe / echoPipe);
        Round last = rounds.get(rounds.size() - 1);
        System.out.printf("    CPU per pipelined request (last round): broker %s, client process %s%n",
                last.brokerCpu().perRequest(last.canopyPipelined().count()),
                last.clientCpu().perRequest(last.canopyPipelined().count()));
        System.out.printf("    target >= 50,000 requests/s: %s%n", pipe >= 50_000 ? "met" : "MISSED");
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> f) {
        double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}

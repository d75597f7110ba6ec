package io.canopy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.module.Payloads;
import io.canopy.tools.launch.TestInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long a rolling reboot wave of a 64-node instance takes ({@code canopy resource reboot
 * --resume --max-parallel P} over every node but the leader), with the test instance's fake
 * reboot: each node's "reboot" is its broker stopped in order and started again with a new boot
 * id, then rejoining, its health check, and its undrain. So the figure is Canopy's own share of a
 * rolling reboot (drain, command, return, check, undrain, for every node, P at a time), without
 * the minutes a real machine takes to boot. Prints, per P, the wave's wall time and per node the
 * time from its reboot command to its return and to its undrain (median, max), and the load
 * average before and after. System properties: {@code bench.reboot.size} (64),
 * {@code bench.reboot.fanout} (4), {@code bench.reboot.parallel} (a list, {@code 8,32}).
 */
public final class RebootWaveBench {
    private static final Duration CALL = Duration.ofSeconds(30);

    private RebootWaveBench() {}

    public static void main(String[] args) throws Exception {
        int size = Integer.getInteger("bench.reboot.size", 64);
        int fanout = Integer.getInteger("bench.reboot.fanout", 4);
        List<Integer> parallel = Arrays.stream(System.getProperty("bench.reboot.parallel", "8,32").split(","))
                .map(String::strip).map(Integer::parseInt).toList();
        System.out.printf(Locale.ROOT, "reboot wave: %d brokers, fanout %d, %d CPUs; load before start %s%n", size, fanout,
                Runtime.getRuntime().availableProcessors(), load());
        long t0 = System.nanoTime();
        try (TestInstance in = TestInstance.start(TestInstance.Options.of(size).fanout(fanout).fakeReboot(true)
                .timeout(Duration.ofSeconds(900)).extraToml("[resource]\nexclude = \"0\"\nhealth_check_timeout = \"20s\"\n"))) {
            System.out.printf(Locale.ROOT, "instance running after %.1f s; load %s%n", (System.nanoTime() - t0) / 1e9, load());
            try (CanopyClient c = CanopyClient.connect(in.socket(0))) {
                for (int p : parallel) {
                    wave(c, size, p);
                }
            }
        }
    }

    private static void wave(CanopyClient c, int size, int p) throws Exception {
        String before = load();
        long seq = lastSeq(c);
        long t0 = System.nanoTime();
        JsonNode r = Payloads.tree(c.call("resource.reboot", 0, Map.of("targets", "1-" + (size - 1), "reason", "bench",
                "resume", true, "whenIdle", true, "maxParallel", p), CALL).payload());
        long id = r.path("id").asLong();
        JsonNode wave;
        while (true) {
            wave = Payloads.tree(c.call("resource.reboot-status", 0, Map.of("id", id), CALL).payload()).path("waves").path(0);
            if (!wave.path("finished").isNull()) {
                break;
            }
            Thread.sleep(200); // polling the leader, as canopy resource reboot --wait does
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> start = new HashMap<>();
        List<Double> back = new ArrayList<>();
        List<Double> undrained = new ArrayList<>();
        for (JsonNode e : Payloads.tree(c.call("resource.eventlog", 0, Map.of(), CALL).payload()).path("events")) {
            if (e.path("seq").asLong() <= seq) {
                continue;
            }
            String host = e.path("nodelist").asText();
            switch (e.path("name").asText()) {
                case "reboot-start" -> start.put(host, e.path("time").asDouble());
                case "rebooted" -> back.add(e.path("context").path("seconds").asDouble());
                case "undrain" -> {
                    if (start.containsKey(host)) {
                        undrained.add(e.path("time").asDouble() - start.get(host));
                    }
                }
                default -> {
                }
            }
        }
        long done = 0;
        for (JsonNode n : wave.path("nodes")) {
            done += n.path("state").asText().equals("done") ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "--max-parallel %d: %d of %d nodes rebooted in %.1f s (%.2f s per node); "
                        + "command to return: median %.1f s, max %.1f s; command to undrain: median %.1f s, max %.1f s; "
                        + "load before %s, after %s%n", p, done, size - 1, wall, wall / (size - 1), median(back),
                max(back), median(undrained), max(undrained), before, load());
    }

    private static long lastSeq(CanopyClient c) throws Exception {
        long seq = 0;
        for (JsonNode e : Payloads.tree(c.call("resource.eventlog", 0, Map.of(), CALL).payload()).path("events")) {
            seq = Math.max(seq, e.path("seq").asLong());
        }
        return seq;
    }

    private static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}

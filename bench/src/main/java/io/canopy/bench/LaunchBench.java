package io.canopy.bench;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What starting one job's task costs on a node, by way of launching: the path job-exec took before
 * canopy-launch ({@code setsid setpriv --reuid ... true}, three programs), against canopy-launch
 * with each containment (a cgroup per job, v2+v1 on a hybrid host, v1 only, or process groups), all
 * starting {@code true} as another user ({@code nobody}) when run as root. Prints for each the wall
 * time per job (launches one after another, best of three rounds) and the CPU time the launched
 * processes used per job (cutime + cstime of this JVM, so it holds under load, where wall time
 * does not), so the difference between two modes is the cost of what one does more.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.canopy.bench.LaunchBench [JOBS]}
 * (default 1000); {@code -Dcanopy.launcher=PATH} (default launcher/target/canopy-launch).
 */
public final class LaunchBench {
    private static final int NOBODY = 65534;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path launcher = Path.of(System.getProperty("canopy.launcher", "launcher/target/canopy-launch")).toAbsolutePath();
        int me = Integer.parseInt(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip());
        boolean root = me == 0;
        int uid = root ? NOBODY : me;
        System.out.printf(Locale.ROOT, "LaunchBench: %d jobs of `true` as %s, one after another, %s, load %s%n", n,
                root ? "nobody (from root)" : "this user", launcher, JobBench.load());
        List<String> modes = List.of("setsid+setpriv", "auto", "cgroup-v1", "process-group");
        for (int round = 0; round < 3; round++) {
            for (String mode : modes) {
                long t0 = System.nanoTime();
                CpuTime c0 = CpuTime.children(ProcessHandle.current().pid());
                for (int i = 0; i < n; i++) {
                    if (mode.equals("setsid+setpriv")) {
                        oldWay(root ? uid : -1);
                    } else {
                        viaLauncher(launcher, mode, uid, 1_000_000L * (round + 1) + i);
                    }
                }
                CpuTime used = CpuTime.children(ProcessHandle.current().pid()).minus(c0);
                double wallUs = (System.nanoTime() - t0) / 1e3 / n;
                System.out.printf(Locale.ROOT, "round %d %-15s wall %7.0f µs/job  cpu of launched processes %s%n", round + 1,
                        mode, wallUs, used.perRequest(n));
            }
        }
    }

    /** What job-exec ran until canopy-launch: setsid, then setpriv to the user, then the command. */
    private static void oldWay(int uid) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("setsid"));
        if (uid >= 0) {
            argv.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--init-groups"));
        }
        argv.add("true");
        Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("setsid setpriv true failed");
        }
    }

    /** One job through canopy-launch, to its last frame. */
    private static void viaLauncher(Path launcher, String mode, int uid, long job) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().clear();
        Process p = pb.start();
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        frame(req, 'R', "canopy-launch 1");
        frame(req, 'u', Integer.toString(uid));
        frame(req, 'j', Long.toString(job));
        frame(req, 's', "launchbench");
        frame(req, 'm', mode);
        frame(req, 'd', "/tmp");
        frame(req, 'a', "true");
        frame(req, 'v', "PATH=/usr/bin:/bin");
        frame(req, 't', "0");
        frame(req, 'G', "");
        p.getOutputStream().write(req.toByteArray());
        p.getOutputStream().flush();
        DataInputStream in = new DataInputStream(p.getInputStream());
        for (int type; (type = in.read()) >= 0; ) {
            int len = in.readInt();
            byte[] body = in.readNBytes(len);
            if (type == 'F') {
                throw new IllegalStateException("launcher refused: " + new String(body, StandardCharsets.UTF_8));
            }
            if (type == 'D') {
                break;
            }
        }
        p.getOutputStream().close();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    private static void frame(ByteArrayOutputStream out, char type, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        out.write(type);
        out.writeBytes(ByteBuffer.allocate(4).putInt(v.length).array());
        out.writeBytes(v);
    }
}

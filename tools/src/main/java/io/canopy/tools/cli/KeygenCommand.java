package io.canopy.tools.cli;

import io.canopy.overlay.zmq.CurveCertificate;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code canopy keygen FILE}: makes the instance's CURVE certificate (mode 0600). */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Write a new CURVE certificate for an instance to FILE (mode 0600). Copy it to every "
                + "broker's host and name it in [bootstrap] curve_cert; brokers without it cannot join.")
public final class KeygenCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "where to write it, e.g. /etc/canopy/curve.cert")
    Path file;

    @Option(names = {"-n", "--name"}, description = "A label stored in the certificate (default: this host's name).")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String label = name != null ? name : InetAddress.getLocalHost().getHostName();
        CurveCertificate.generate(label).write(file);
        spec.commandLine().getOut().println("wrote " + file + " (keep it mode 0600, readable only by the broker's user)");
        return 0;
    }
}

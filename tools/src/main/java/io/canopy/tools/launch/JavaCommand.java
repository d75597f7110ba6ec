package io.canopy.tools.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts another JVM running this same build of Canopy: the same java
 * binary and class path, with the options a broker needs.
 */
public final class JavaCommand {
    /** Lets the local connector read a peer's numeric uid from the JDK's user principal. */
    public static final String ADD_OPENS = "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED";
    /** The system property naming canopy-launch when it is not beside the code (a build tree). */
    public static final String LAUNCHER_PROPERTY = "canopy.launcher";

    private JavaCommand() {}

    /** {@code java [opts] -cp CLASSPATH io.canopy.tools.Main ARGS...}. */
    public static List<String> canopy(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(jvmOptions);
        cmd.add(ADD_OPENS);
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher != null) {
            cmd.add("-D" + LAUNCHER_PROPERTY + "=" + launcher); // the brokers use the same canopy-launch
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.canopy.tools.Main");
        cmd.addAll(args);
        return cmd;
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}

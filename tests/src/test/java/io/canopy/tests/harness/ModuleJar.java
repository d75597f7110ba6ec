package io.canopy.tests.harness;

import io.canopy.module.BrokerModule;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Builds a module jar from Java source at test time, as a module author's build would: compiled
 * against the canopy-api jar alone, packaged with its {@code META-INF/services} entry. Lets a test
 * load modules that misbehave on purpose without shipping them anywhere.
 */
public final class ModuleJar {
    private ModuleJar() {}

    /**
     * Compiles {@code source} (one public class {@code className} in the default package that
     * implements {@link BrokerModule}) and packages it as {@code dir/NAME.jar}.
     */
    public static Path build(Path dir, String className, String source) throws IOException {
        Path src = dir.resolve(className + "-src");
        Path classes = dir.resolve(className + "-classes");
        Files.createDirectories(src);
        Files.createDirectories(classes);
        Path file = Files.writeString(src.resolve(className + ".java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("the tests need a JDK: no system Java compiler in " + System.getProperty("java.home"));
        }
        StringWriter diagnostics = new StringWriter();
        List<String> options = List.of("--release", "17", "-classpath", apiJar().toString(), "-d", classes.toString());
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            if (!javac.getTask(diagnostics, files, null, options, null, files.getJavaFileObjects(file)).call()) {
                throw new IllegalStateException("module source does not compile:\n" + diagnostics);
            }
        }
        Path jar = dir.resolve(className + ".jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
                Stream<Path> compiled = Files.walk(classes)) {
            for (Path c : compiled.filter(Files::isRegularFile).toList()) {
                add(out, classes.relativize(c).toString(), Files.readAllBytes(c));
            }
            add(out, "META-INF/services/" + BrokerModule.class.getName(),
                    (className + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    /** Where the module API comes from on the test class path: the canopy-api jar (or its classes). */
    private static Path apiJar() {
        try {
            return Path.of(BrokerModule.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate canopy-api", e);
        }
    }

    private static void add(JarOutputStream out, String name, byte[] content) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(content);
        out.closeEntry();
    }
}

package io.canopy.overlay.zmq;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.zeromq.ZMQ;

/**
 * The instance's CURVE certificate: one keypair shared by every broker of an instance (as flux's
 * system instance does), so each broker both serves its children with it and proves itself to its
 * parent with it; a peer without it cannot join. Stored in the ZPL text format CZMQ and flux use,
 * readable by its owner only.
 *
 * @param name      a label (the host that made it)
 * @param publicKey Z85 text, 40 characters
 * @param secretKey Z85 text, 40 characters
 */
public record CurveCertificate(String name, String publicKey, String secretKey) {
    private static final Pattern KEY = Pattern.compile("^\\s*(public-key|secret-key|name)\\s*=\\s*\"([^\"]*)\"\\s*$");

    /** A fresh keypair. */
    public static CurveCertificate generate(String name) {
        ZMQ.Curve.KeyPair kp = ZMQ.Curve.generateKeyPair();
        return new CurveCertificate(name, kp.publicKey, kp.secretKey);
    }

    /**
     * Reads a certificate file.
     *
     * @throws IOException naming the file and what is wrong: missing, readable by others, or
     *                     missing a key
     */
    public static CurveCertificate load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("certificate " + file + " does not exist: make one with `canopy keygen " + file + "`");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException("certificate " + file + " is readable by group/other ("
                    + PosixFilePermissions.toString(perms) + "): chmod 600 " + file);
        }
        String name = "";
        String pub = null;
        String sec = null;
        for (String line : Files.readAllLines(file)) {
            Matcher m = KEY.matcher(line);
            if (m.matches()) {
                switch (m.group(1)) {
                    case "public-key" -> pub = m.group(2);
                    case "secret-key" -> sec = m.group(2);
                    default -> name = m.group(2);
                }
            }
        }
        if (pub == null || sec == null || pub.length() != 40 || sec.length() != 40) {
            throw new IOException("certificate " + file + " has no valid public-key and secret-key "
                    + "(40-character Z85 each): make a new one with `canopy keygen`");
        }
        return new CurveCertificate(name, pub, sec);
    }

    /** Writes the certificate to {@code file} with mode 0600, refusing to overwrite one. */
    public void write(Path file) throws IOException {
        if (Files.exists(file)) {
            throw new IOException(file + " already exists: remove it first if you mean to replace the "
                    + "instance certificate (every broker needs the new one)");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, List.of(
                "#   ZeroMQ CURVE **Secret** Certificate",
                "#   DO NOT DISTRIBUTE beyond the instance's brokers; keep it mode 0600.",
                "",
                "metadata",
                "    name = \"" + name + "\"",
                "curve",
                "    public-key = \"" + publicKey + "\"",
                "    secret-key = \"" + secretKey + "\""));
    }

    byte[] publicKeyBytes() {
        return ZMQ.Curve.z85Decode(publicKey);
    }

    byte[] secretKeyBytes() {
        return ZMQ.Curve.z85Decode(secretKey);
    }

    @Override
    public String toString() {
        return "CurveCertificate[" + name + ", public " + publicKey + "]";
    }
}

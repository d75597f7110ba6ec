package io.canopy.bench;

import com.neilalexander.jnacl.crypto.curve25519;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import io.canopy.overlay.zmq.X25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One X25519 key agreement as JeroMQ's CURVE does it (jnacl's port of NaCl's reference code,
 * which the scale benchmark's profiles found taking 60 % of a flat leader's boot) against the
 * JDK's own {@code XDH}, with the same keys, in one run: read {@code jnacl} as a ratio to
 * {@code jdkXdh}. The setup checks both give the same secret. Each CURVE handshake costs a few of
 * these on each side.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:+UseSerialGC")
public class X25519Benchmark {
    private final byte[] secret = new byte[32];
    private final byte[] peer = new byte[32];
    private final byte[] out = new byte[32];
    private PrivateKey jdkSecret;
    private PublicKey jdkPeer;

    @Setup
    public void setup() throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] peerSecret = new byte[32];
        random.nextBytes(secret);
        random.nextBytes(peerSecret);
        curve25519.crypto_scalarmult_base(peer, peerSecret);
        byte[] bigEndian = peer.clone();
        for (int i = 0; i < 16; i++) {
            byte t = bigEndian[i];
            bigEndian[i] = bigEndian[31 - i];
            bigEndian[31 - i] = t;
        }
        KeyFactory keys = KeyFactory.getInstance("XDH");
        jdkPeer = keys.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, bigEndian)));
        jdkSecret = keys.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, secret));
        if (!Arrays.equals(jnacl(), jdkXdh()) || !Arrays.equals(jdkXdh(), canopy())) {
            throw new IllegalStateException("jnacl, the JDK and Canopy disagree on an X25519 secret");
        }
        if (curve25519.class.getProtectionDomain().getCodeSource().getLocation().toString().contains("overlay-zmq")) {
            throw new IllegalStateException("the baseline must be jnacl's own curve25519, not Canopy's");
        }
    }

    @Benchmark
    public byte[] jnacl() {
        curve25519.crypto_scalarmult(out, secret, peer);
        return out;
    }

    /** What Canopy's CURVE runs: the JDK's XDH from jnacl's byte arrays (key specs made each time). */
    @Benchmark
    public byte[] canopy() {
        X25519.scalarmult(out, secret, peer);
        return out;
    }

    @Benchmark
    public byte[] jdkXdh() throws Exception {
        KeyAgreement agreement = KeyAgreement.getInstance("XDH");
        agreement.init(jdkSecret);
        agreement.doPhase(jdkPeer, true);
        return agreement.generateSecret();
    }
}

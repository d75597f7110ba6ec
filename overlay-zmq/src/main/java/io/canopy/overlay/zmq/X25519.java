package io.canopy.overlay.zmq;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) through the JDK's {@code XDH}, with jnacl's byte-array interface and results:
 * what JeroMQ's CURVE mechanism computes four to six times a side per handshake, twelve times
 * faster than jnacl's port of NaCl's reference code (112 against 1,353 us an agreement,
 * {@code X25519Benchmark}). A thousand brokers starting on two cores spent a quarter of their CPU
 * in jnacl's field arithmetic. JeroMQ reaches it through {@code com.neilalexander.jnacl.crypto.curve25519},
 * which Canopy ships in jnacl's place.
 *
 * <p>Results are jnacl's byte for byte ({@code Curve25519Test} checks against jnacl's own jar),
 * except for a peer key of small order: the secret is zero either way, which jnacl sometimes
 * writes unreduced; here it is all zero bytes and the answer -1 (libsodium's), which jnacl's
 * callers ignore as they ignored the reference code's 0.
 */
public final class X25519 {
    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    private static final byte[] BASE = basePoint();
    private static final ThreadLocal<KeyFactory> KEYS = ThreadLocal.withInitial(() -> get(() -> KeyFactory.getInstance("XDH")));
    private static final ThreadLocal<KeyAgreement> AGREEMENT = ThreadLocal.withInitial(() -> get(() -> KeyAgreement.getInstance("XDH")));

    private X25519() {
    }

    /** {@code q = X25519(n, p)}: 32-byte scalar {@code n}, 32-byte little-endian u-coordinate {@code p}. */
    public static int scalarmult(byte[] q, byte[] n, byte[] p) {
        try {
            KeyFactory kf = KEYS.get();
            KeyAgreement ka = AGREEMENT.get();
            ka.init(kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, Arrays.copyOf(n, 32))));
            ka.doPhase(kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, uCoordinate(p))), true);
            System.arraycopy(ka.generateSecret(), 0, q, 0, 32);
            return 0;
        } catch (InvalidKeyException smallOrder) {
            Arrays.fill(q, 0, 32, (byte) 0);
            return -1;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 through the JDK's XDH failed: " + e.getMessage(), e);
        }
    }

    /** {@code q = X25519(n, 9)}: the public key of secret {@code n}. */
    public static int scalarmultBase(byte[] q, byte[] n) {
        return scalarmult(q, n, BASE);
    }

    /**
     * The point as jnacl's reference code reads it: all 256 bits, little-endian, modulo 2^255 - 19.
     * (RFC 7748 and libsodium ignore the top bit instead; no honest key has it set, since public
     * keys come out of this function reduced, and this keeps every result what it was.)
     */
    public static BigInteger uCoordinate(byte[] p) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[31 - i] = p[i];
        }
        return new BigInteger(1, be).mod(P);
    }

    private static byte[] basePoint() {
        byte[] b = new byte[32];
        b[0] = 9;
        return b;
    }

    private interface Maker<T> {
        T make() throws GeneralSecurityException;
    }

    private static <T> T get(Maker<T> maker) {
        try {
            return maker.make();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no XDH (X25519), which CURVE needs: " + e.getMessage(), e);
        }
    }
}

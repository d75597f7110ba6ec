package com.neilalexander.jnacl.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Canopy's X25519 (the JDK's XDH under jnacl's class name) gives what jnacl's own code gives, and
 * what RFC 7748 says, for every kind of input a peer can send: the CURVE handshake depends on both
 * sides computing the same secret.
 */
class Curve25519Test {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc7748DiffieHellmanVectors() {
        byte[] alice = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePub = new byte[32];
        byte[] bobPub = new byte[32];
        curve25519.crypto_scalarmult_base(alicePub, alice);
        curve25519.crypto_scalarmult_base(bobPub, bob);
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", HEX.formatHex(alicePub));
        assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", HEX.formatHex(bobPub));
        byte[] s1 = new byte[32];
        byte[] s2 = new byte[32];
        assertEquals(0, curve25519.crypto_scalarmult(s1, alice, bobPub));
        assertEquals(0, curve25519.crypto_scalarmult(s2, bob, alicePub));
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", HEX.formatHex(s1));
        assertArrayEquals(s1, s2);
    }

    @Test
    void rfc7748ScalarMultiplicationVector() {
        byte[] q = new byte[32];
        curve25519.crypto_scalarmult(q, HEX.parseHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                HEX.parseHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
        assertEquals("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", HEX.formatHex(q));
    }

    /**
     * Random scalars against random points, points with the top bit set and points at or above
     * 2^255 - 19: byte for byte what jnacl's reference code gives (loaded from jnacl's own jar, next
     * to this class). Points of small order give zero both ways (jnacl sometimes writes it as
     * 2^255 - 19) and -1 here.
     */
    @Test
    void sameResultsAsJnaclsReferenceCode() throws Exception {
        URL jar = curve25519xsalsa20poly1305.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader jnacl = new URLClassLoader(new URL[] {jar}, null)) {
            Class<?> reference = jnacl.loadClass("com.neilalexander.jnacl.crypto.curve25519");
            assertEquals(jar, reference.getProtectionDomain().getCodeSource().getLocation());
            Method mult = reference.getMethod("crypto_scalarmult", byte[].class, byte[].class, byte[].class);
            Random random = new Random(7748);
            int smallOrder = 0;
            for (int i = 0; i < 200; i++) {
                byte[] n = new byte[32];
                byte[] p = new byte[32];
                random.nextBytes(n);
                random.nextBytes(p);
                switch (i % 5) {
                    case 0 -> p[31] |= (byte) 0x80; // top bit set: read as jnacl reads it
                    case 1 -> { // 2^255 - 19 + k: not reduced by the sender
                        java.util.Arrays.fill(p, (byte) 0xff);
                        p[0] = (byte) (0xed + (i % 18));
                        p[31] = 0x7f;
                    }
                    case 2 -> { // u = 0 and u = 1: small order
                        java.util.Arrays.fill(p, (byte) 0);
                        p[0] = (byte) (i % 2);
                    }
                    default -> { }
                }
                byte[] expected = new byte[32];
                byte[] actual = new byte[32];
                mult.invoke(null, expected, n, p);
                String what = "scalar " + HEX.formatHex(n) + ", point " + HEX.formatHex(p);
                if (curve25519.crypto_scalarmult(actual, n, p) == 0) {
                    assertArrayEquals(expected, actual, what);
                } else { // small order: zero, which jnacl sometimes writes unreduced (as 2^255 - 19)
                    assertArrayEquals(new byte[32], actual, what);
                    assertEquals(java.math.BigInteger.ZERO, io.canopy.overlay.zmq.X25519.uCoordinate(expected), what);
                    smallOrder++;
                }
            }
            assertTrue(smallOrder >= 40, "u = 0, 1, 2^255 - 19 and 2^255 - 18 were tried: " + smallOrder);
        }
    }

    /** What JeroMQ calls is this module's class, not jnacl's (which stays in jnacl's jar). */
    @Test
    void jeromqsCurveReachesTheJdksXdh() {
        URL jar = curve25519xsalsa20poly1305.class.getProtectionDomain().getCodeSource().getLocation();
        assertNotEquals(jar, curve25519.class.getProtectionDomain().getCodeSource().getLocation());
        byte[] pk = new byte[32];
        byte[] sk = new byte[32];
        curve25519xsalsa20poly1305.crypto_box_keypair(pk, sk);
        byte[] expected = new byte[32];
        io.canopy.overlay.zmq.X25519.scalarmultBase(expected, sk);
        assertArrayEquals(expected, pk);
    }

    @Test
    void aPointOfSmallOrderGivesTheZeroSecretAndMinusOne() {
        byte[] q = new byte[32];
        java.util.Arrays.fill(q, (byte) 1);
        byte[] n = new byte[32];
        n[0] = 42;
        assertEquals(-1, curve25519.crypto_scalarmult(q, n, new byte[32]));
        assertArrayEquals(new byte[32], q);
    }
}

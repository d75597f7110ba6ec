package com.neilalexander.jnacl.crypto;

import io.canopy.overlay.zmq.X25519;

/**
 * jnacl's X25519 entry points, done by {@link X25519} (the JDK's XDH, twelve times faster than
 * jnacl's reference code). JeroMQ 0.6.0's CURVE calls jnacl's box functions, which call these two
 * static methods by name and offer no way to plug another implementation in, so Canopy ships this
 * class under jnacl's name and {@code canopy.jar} leaves jnacl's copy out (the shade filter in
 * {@code tools/pom.xml}). Only the two methods jnacl's {@code curve25519xsalsa20poly1305} calls
 * are here, with jnacl's signatures.
 */
public final class curve25519 {
    private curve25519() {
    }

    /** {@code q = X25519(n, p)}. */
    public static int crypto_scalarmult(byte[] q, byte[] n, byte[] p) {
        return X25519.scalarmult(q, n, p);
    }

    /** {@code q = X25519(n, 9)}: the public key of secret {@code n}. */
    public static int crypto_scalarmult_base(byte[] q, byte[] n) {
        return X25519.scalarmultBase(q, n);
    }
}

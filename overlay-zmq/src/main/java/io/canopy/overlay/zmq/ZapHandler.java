package io.canopy.overlay.zmq;

import java.util.Arrays;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Decides who may connect to this broker's CURVE-secured ROUTER (ZeroMQ's ZAP protocol, RFC 27):
 * only a peer presenting the instance certificate's public key. Without a ZAP handler ZeroMQ would
 * admit any CURVE client that knows the server key.
 */
final class ZapHandler {
    static final String ENDPOINT = "inproc://zeromq.zap.01";
    private static final Logger LOG = LogManager.getLogger(ZapHandler.class);

    private final ZMQ.Socket socket;
    private final byte[] allowed;
    private final RateLimitedLog refusals = new RateLimitedLog(LOG, 30_000_000_000L);

    private final io.canopy.overlay.OverlayListener listener;

    ZapHandler(ZContext ctx, byte[] allowedPublicKey, io.canopy.overlay.OverlayListener listener) {
        this.allowed = allowedPublicKey;
        this.listener = listener;
        this.socket = ctx.createSocket(SocketType.REP);
        socket.setLinger(0);
        socket.bind(ENDPOINT);
    }

    ZMQ.Socket socket() {
        return socket;
    }

    /** Answers every waiting ZAP request. */
    void handle() {
        while (true) {
            byte[] version = socket.recv(ZMQ.DONTWAIT);
            if (version == null) {
                return;
            }
            byte[][] f = new byte[6][];
            int n = 0;
            while (socket.hasReceiveMore()) {
                byte[] part = socket.recv(0);
                if (n < f.length) {
                    f[n++] = part;
                }
            }
            // f: request id, domain, address, identity, mechanism, credentials (client key)
            boolean ok = n >= 6 && "CURVE".equals(new String(f[4], java.nio.charset.StandardCharsets.US_ASCII))
                    && Arrays.equals(f[5], allowed);
            if (!ok) {
                String address = n >= 3 ? new String(f[2], java.nio.charset.StandardCharsets.UTF_8) : "?";
                refusals.log(Level.WARN, address, "overlay: refused a connection from " + address
                        + ": it does not hold the instance certificate");
                listener.refused(address, "it does not hold the instance certificate");
            }
            socket.send(version, ZMQ.SNDMORE);
            socket.send(n > 0 ? f[0] : new byte[0], ZMQ.SNDMORE);
            socket.send(ok ? "200" : "400", ZMQ.SNDMORE);
            socket.send(ok ? "OK" : "No access", ZMQ.SNDMORE);
            socket.send("", ZMQ.SNDMORE);
            socket.send(new byte[0], 0);
        }
    }
}

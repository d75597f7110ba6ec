package io.canopy.local;

import io.canopy.broker.Endpoint;
import io.canopy.codec.CodecException;
import io.canopy.codec.MessageCodec;
import io.canopy.message.Message;
import io.canopy.message.MessageType;
import io.canopy.message.Role;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The broker's local socket ({@code RUNDIR/local}): a Unix domain socket carrying length-prefixed
 * message envelopes, served by one selector thread.
 *
 * <ul>
 *   <li>Each client's uid comes from SO_PEERCRED; the instance owner and root get the owner role,
 *       everyone else the user role; every message from here also carries the local role.
 *   <li>Whatever credentials a client puts in a message are replaced.
 *   <li>A client that sends a frame that is oversized or does not decode is disconnected and
 *       logged; the others are unaffected.
 *   <li>A client that stops reading while more than {@link #MAX_OUTBOUND} bytes wait for it is
 *       disconnected, so it cannot exhaust the broker's memory.
 *   <li>When a client goes, the broker forgets its subscriptions; responses still on their way to
 *       it are dropped.
 * </ul>
 */
public final class LocalConnector implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(LocalConnector.class);
    /** Bytes that may wait for a client that does not read before it is disconnected. */
    public static final long MAX_OUTBOUND = 256L * 1024 * 1024;

    /** Where the connector hands what clients send, and tells who came and went. */
    public interface Sink {
        void attach(Endpoint client);

        void receive(Endpoint client, Message message);

        void detach(Endpoint client);
    }

    private final Path path;
    private final int ownerUid;
    private final MessageCodec codec;
    private final Sink sink;
    private final Queue<ClientConnection> writable = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong(1);
    private Selector selector;
    private ServerSocketChannel server;
    private Thread thread;
    private volatile boolean running;

    public LocalConnector(Path path, int ownerUid, int maxFrameSize, Sink sink) {
        this.path = path;
        this.ownerUid = ownerUid;
        this.codec = new MessageCodec(maxFrameSize);
        this.sink = sink;
    }

    /**
     * Binds the socket and starts accepting. A stale socket file from a dead broker is replaced; a
     * live one is an error.
     *
     * @throws IOException naming the path and what to check
     */
    public void start() throws IOException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path)) {
            if (somebodyListens()) {
                throw new IOException("another broker is already listening on " + path
                        + ": stop it, or give this one another --rundir");
            }
            Files.delete(path);
        }
        selector = Selector.open();
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path), 1024);
        } catch (IOException e) {
            throw new IOException("cannot create the local socket " + path + ": " + e.getMessage()
                    + " (check that the directory is writable by the broker's user)", e);
        }
        // Anyone may connect; what they may do is decided from their uid.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwxrwx"));
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        running = true;
        thread = new Thread(this::loop, "local-connector");
        thread.setDaemon(true);
        thread.start();
        LOG.info("listening on local://{}", path);
    }

    public Path path() {
        return path;
    }

    public int clientCount() {
        return clients.get();
    }

    /** Stops accepting, disconnects every client and removes the socket file. */
    @Override
    public void close() {
        running = false;
        if (selector != null) {
            selector.wakeup();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", path, e.getMessage());
        }
    }

    /** Called by a connection with frames to write; wakes the selector at most once per round. */
    void wantWrite(ClientConnection c) {
        writable.add(c);
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    private boolean somebodyListens() {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private void loop() {
        try {
            while (running) {
                selector.select();
                wakeupPending.set(false);
                ClientConnection c;
                while ((c = writable.poll()) != null) {
                    write(c);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        ClientConnection conn = (ClientConnection) key.attachment();
                        if (key.isReadable()) {
                            read(conn);
                        }
                        if (key.isValid() && key.isWritable()) {
                            write(conn);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.error("local connector stopped: {}", e.toString());
        } finally {
            shutdownAll();
        }
    }

    private void accept() {
        SocketChannel ch;
        try {
            ch = server.accept();
        } catch (IOException e) {
            LOG.warn("accept on {} failed: {}", path, e.getMessage());
            return;
        }
        if (ch == null) {
            return;
        }
        try {
            int uid = PeerCredentials.uidOf(ch);
            int roles = (uid == ownerUid || uid == 0 ? Role.OWNER : Role.USER) | Role.LOCAL;
            ch.configureBlocking(false);
            ClientConnection conn = new ClientConnection(nextId.getAndIncrement(), ch, uid, roles, codec, this);
            conn.key(ch.register(selector, SelectionKey.OP_READ, conn));
            clients.incrementAndGet();
            sink.attach(conn);
            LOG.debug("client {} connected (uid {}, {})", conn.id(), uid, Role.describe(roles));
        } catch (IOException e) {
            LOG.warn("refusing a client on {}: {}", path, e.getMessage());
            closeQuietly(ch);
        }
    }

    private void read(ClientConnection conn) {
        try {
            int n = conn.channel().read(conn.readBuffer());
            if (n < 0) {
                drop(conn, null);
                return;
            }
            conn.parse(m -> dispatch(conn, m));
        } catch (CodecException e) {
            drop(conn, "sent a malformed frame (" + e.getMessage() + ")");
        } catch (IOException e) {
            drop(conn, null);
        }
    }

    private void dispatch(ClientConnection conn, Message m) {
        if (m.type() != MessageType.REQUEST) {
            LOG.debug("client {} sent a {}; clients send requests only, dropped", conn.id(), m.type());
            return;
        }
        sink.receive(conn, m.withCredentials(conn.uid(), conn.rolemask()));
    }

    private void write(ClientConnection conn) {
        if (conn.closed()) {
            return;
        }
        try {
            boolean done = conn.flush();
            SelectionKey key = conn.key();
            if (done) {
                key.interestOps(SelectionKey.OP_READ);
            } else if (conn.outboundBytes() > MAX_OUTBOUND) {
                drop(conn, "stopped reading with " + conn.outboundBytes() + " bytes waiting for it");
            } else {
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        } catch (IOException e) {
            drop(conn, null);
        }
    }

    private void drop(ClientConnection conn, String why) {
        if (conn.closed()) {
            return;
        }
        conn.markClosed();
        if (why != null) {
            LOG.warn("disconnecting client {} (uid {}): it {}", conn.id(), conn.uid(), why);
        } else {
            LOG.debug("client {} disconnected", conn.id());
        }
        conn.key().cancel();
        closeQuietly(conn.channel());
        clients.decrementAndGet();
        sink.detach(conn);
    }

    private void shutdownAll() {
        if (selector == null) {
            return;
        }
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof ClientConnection conn) {
                drop(conn, null);
            }
        }
        closeQuietly(server);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing selector: {}", e.toString());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            LOG.debug("close: {}", e.toString());
        }
    }
}

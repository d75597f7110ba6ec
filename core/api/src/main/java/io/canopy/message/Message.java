package io.canopy.message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One message on the bus: a request, a response, an event or a control frame. The header fields
 * and the payload travel as two separate frames on the wire (see {@code docs/wire-protocol.md}); the
 * payload is MessagePack by convention, but the bus treats it as opaque bytes.
 *
 * <p>Messages are immutable values: each routing step makes a new one with {@code with...} and
 * {@code push/popRoute}. The payload array is shared, never copied, and must not be modified.
 *
 * @param type     what kind of message this is
 * @param flags    {@code FLAG_*} bits
 * @param topic    {@code service.method} for requests and responses, the event name for events,
 *                 the control name (e.g. {@code heartbeat}) for control frames
 * @param nodeid   the rank a request is addressed to, or {@link NodeId#ANY}/{@link NodeId#UPSTREAM}
 * @param matchtag the sender's tag that pairs a response with its request
 * @param userid   the uid of the original sender, set by the connector that received it
 * @param rolemask {@link Role} bits of the original sender, set by the connector that received it
 * @param errnum   0, or an {@link Errno} value on an error response
 * @param errstr   the human-readable error of an error response, or {@code null}
 * @param seq      an event's sequence number (assigned by the leader); 0 otherwise
 * @param route    the hops a request took, most recent last; a response retraces them
 * @param payload  the body, never {@code null} (empty for none)
 */
public record Message(
        MessageType type,
        int flags,
        String topic,
        int nodeid,
        long matchtag,
        int userid,
        int rolemask,
        int errnum,
        String errstr,
        long seq,
        List<String> route,
        byte[] payload) {

    /** The wire protocol version this code speaks; see the version rule in the wire protocol doc. */
    public static final int PROTOCOL_VERSION = 1;
    /** Response flag: more responses follow for the same matchtag. */
    public static final int FLAG_STREAMING = 1;
    /** Request flag: the sender wants no response. */
    public static final int FLAG_NORESPONSE = 2;
    /** userid of a message whose sender is not known yet. */
    public static final int USERID_UNKNOWN = -1;

    private static final byte[] EMPTY = new byte[0];

    public Message {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(topic, "topic");
        route = route == null ? List.of() : List.copyOf(route);
        payload = payload == null ? EMPTY : payload;
    }

    /** A request for {@code topic} on {@code nodeid}, credentials unset. */
    public static Message request(String topic, int nodeid, long matchtag, byte[] payload) {
        return new Message(MessageType.REQUEST, 0, topic, nodeid, matchtag,
                USERID_UNKNOWN, Role.NONE, 0, null, 0, List.of(), payload);
    }

    /** An event named {@code topic}, sequence number unassigned. */
    public static Message event(String topic, byte[] payload) {
        return new Message(MessageType.EVENT, 0, topic, NodeId.ANY, 0,
                USERID_UNKNOWN, Role.NONE, 0, null, 0, List.of(), payload);
    }

    /** A control frame between direct neighbours (never routed). */
    public static Message control(String topic, byte[] payload) {
        return new Message(MessageType.CONTROL, 0, topic, NodeId.ANY, 0,
                USERID_UNKNOWN, Role.NONE, 0, null, 0, List.of(), payload);
    }

    /**
     * The successful response to this request, carrying its matchtag and route back. A request sent
     * with {@link #FLAG_NORESPONSE} gives a response with that flag, which routers drop.
     */
    public Message response(byte[] body) {
        return new Message(MessageType.RESPONSE, flags & FLAG_NORESPONSE, topic, nodeid, matchtag,
                userid, rolemask, 0, null, 0, route, body);
    }

    /** An error response to this request. */
    public Message errorResponse(int errno, String message) {
        return new Message(MessageType.RESPONSE, flags & FLAG_NORESPONSE, topic, nodeid, matchtag,
                userid, rolemask, errno, message, 0, route, EMPTY);
    }

    public Message withCredentials(int newUserid, int newRolemask) {
        return new Message(type, flags, topic, nodeid, matchtag, newUserid, newRolemask,
                errnum, errstr, seq, route, payload);
    }

    public Message withMatchtag(long newMatchtag) {
        return new Message(type, flags, topic, nodeid, newMatchtag, userid, rolemask,
                errnum, errstr, seq, route, payload);
    }

    public Message withSeq(long newSeq) {
        return new Message(type, flags, topic, nodeid, matchtag, userid, rolemask,
                errnum, errstr, newSeq, route, payload);
    }

    public Message withNodeid(int newNodeid) {
        return new Message(type, flags, topic, newNodeid, matchtag, userid, rolemask,
                errnum, errstr, seq, route, payload);
    }

    public Message withFlags(int newFlags) {
        return new Message(type, newFlags, topic, nodeid, matchtag, userid, rolemask,
                errnum, errstr, seq, route, payload);
    }

    /** This message with {@code hop} added as the most recent hop. */
    public Message pushRoute(String hop) {
        List<String> r = new ArrayList<>(route.size() + 1);
        r.addAll(route);
        r.add(hop);
        return new Message(type, flags, topic, nodeid, matchtag, userid, rolemask,
                errnum, errstr, seq, r, payload);
    }

    /** This message without its most recent hop. */
    public Message popRoute() {
        if (route.isEmpty()) {
            return this;
        }
        return new Message(type, flags, topic, nodeid, matchtag, userid, rolemask,
                errnum, errstr, seq, route.subList(0, route.size() - 1), payload);
    }

    /** The most recent hop, or {@code null} when the route is empty. */
    public String lastHop() {
        return route.isEmpty() ? null : route.get(route.size() - 1);
    }

    public boolean isError() {
        return errnum != 0;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    /** The service part of the topic: {@code broker} for {@code broker.ping}. */
    public String service() {
        int dot = topic.indexOf('.');
        return dot < 0 ? topic : topic.substring(0, dot);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m
                && type == m.type && flags == m.flags && topic.equals(m.topic)
                && nodeid == m.nodeid && matchtag == m.matchtag && userid == m.userid
                && rolemask == m.rolemask && errnum == m.errnum && Objects.equals(errstr, m.errstr)
                && seq == m.seq && route.equals(m.route) && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, flags, topic, nodeid, matchtag, userid, rolemask, errnum,
                errstr, seq, route, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return type + " " + topic + " nodeid=" + NodeId.describe(nodeid) + " matchtag=" + matchtag
                + " userid=" + userid + " roles=" + Role.describe(rolemask)
                + (errnum != 0 ? " errnum=" + errnum + " errstr=" + errstr : "")
                + (seq != 0 ? " seq=" + seq : "") + " route=" + route
                + " payload=" + payload.length + "B";
    }
}

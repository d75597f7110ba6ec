package io.canopy.overlay.zmq;

import io.canopy.overlay.Topology;
import java.time.Duration;

/**
 * What a ZeroMQ overlay needs to know about its broker's place in the instance.
 *
 * @param topology     the tree
 * @param bindUri      where to bind for children (null for a leaf)
 * @param parentUri    where the parent listens (null for the leader)
 * @param keepalive    how often to send heartbeats both ways
 * @param torpid       silence after which a child is torpid
 * @param lost         silence after which a child (or the parent) is lost
 * @param cert         the instance certificate, or null for plain TCP (test instances only)
 * @param instanceId   identifies the instance's configuration; hellos from another are refused
 */
public record OverlaySettings(Topology topology, String bindUri, String parentUri, Duration keepalive,
        Duration torpid, Duration lost, CurveCertificate cert, String instanceId) {}

package dev.webtransport.protocol;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of one handler, optionally rolled up into a parent (the server's totals across connections,
 * including connections that are gone).
 */
public final class ProtocolCounters {
    enum Kind { SESSIONS_REQUESTED, SESSIONS_ACCEPTED, SESSIONS_REJECTED, SESSIONS_CLOSED, STREAMS_OPENED,
        STREAMS_CLOSED, STREAMS_REJECTED, STREAMS_RESET, BYTES_SENT, BYTES_RECEIVED, DATAGRAMS_SENT,
        DATAGRAMS_RECEIVED, DATAGRAMS_DROPPED, CAPSULES_SENT, CAPSULES_RECEIVED, PROTOCOL_ERRORS, HANDLER_ERRORS,
        DATA_BLOCKED, STREAMS_BLOCKED, PEER_DATA_BLOCKED, PEER_STREAMS_BLOCKED, FLOW_CONTROL_ERRORS }

    private static final Kind[] KINDS = Kind.values();
    /** Totals shared by many connections' event loops: contention-friendly adders. Null for a connection's counters. */
    private final LongAdder[] shared;
    /** A connection's own counters (one writer, its event loop): one small array instead of 22 adders. */
    private final AtomicLongArray own;
    private final ProtocolCounters parent;

    /** Counters with no parent (a server's or client's totals). */
    public ProtocolCounters() {
        this.parent = null;
        this.own = null;
        this.shared = new LongAdder[KINDS.length];
        for (int i = 0; i < shared.length; i++) {
            shared[i] = new LongAdder();
        }
    }

    /** A connection's counters, also counted into {@code parent} when it is not null. */
    ProtocolCounters(ProtocolCounters parent) {
        this.parent = parent;
        this.shared = null;
        this.own = new AtomicLongArray(KINDS.length);
    }

    void add(Kind kind, long n) {
        if (own != null) {
            own.addAndGet(kind.ordinal(), n);
        } else {
            shared[kind.ordinal()].add(n);
        }
        if (parent != null) {
            parent.add(kind, n);
        }
    }

    void increment(Kind kind) {
        add(kind, 1);
    }

    private long sum(Kind kind) {
        return own != null ? own.get(kind.ordinal()) : shared[kind.ordinal()].sum();
    }

    /** A snapshot with the given current values. */
    public HandlerStats snapshot(Instant createdAt, int activeSessions, int activeStreams) {
        return new HandlerStats(createdAt, sum(Kind.SESSIONS_REQUESTED), sum(Kind.SESSIONS_ACCEPTED),
                sum(Kind.SESSIONS_REJECTED), sum(Kind.SESSIONS_CLOSED), activeSessions, sum(Kind.STREAMS_OPENED),
                sum(Kind.STREAMS_CLOSED), sum(Kind.STREAMS_REJECTED), sum(Kind.STREAMS_RESET), activeStreams,
                sum(Kind.BYTES_SENT), sum(Kind.BYTES_RECEIVED), sum(Kind.DATAGRAMS_SENT), sum(Kind.DATAGRAMS_RECEIVED),
                sum(Kind.DATAGRAMS_DROPPED), sum(Kind.CAPSULES_SENT), sum(Kind.CAPSULES_RECEIVED),
                sum(Kind.PROTOCOL_ERRORS), sum(Kind.HANDLER_ERRORS), sum(Kind.DATA_BLOCKED),
                sum(Kind.STREAMS_BLOCKED), sum(Kind.PEER_DATA_BLOCKED), sum(Kind.PEER_STREAMS_BLOCKED),
                sum(Kind.FLOW_CONTROL_ERRORS));
    }
}

package dev.webtransport.protocol;

import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of one handler, optionally rolled up into a parent (the server's totals across connections,
 * including connections that are gone).
 */
public final class ProtocolCounters {
    final LongAdder sessionsRequested = new LongAdder();
    final LongAdder sessionsAccepted = new LongAdder();
    final LongAdder sessionsRejected = new LongAdder();
    final LongAdder sessionsClosed = new LongAdder();
    final LongAdder streamsOpened = new LongAdder();
    final LongAdder streamsClosed = new LongAdder();
    final LongAdder streamsRejected = new LongAdder();
    final LongAdder streamsReset = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder datagramsSent = new LongAdder();
    final LongAdder datagramsReceived = new LongAdder();
    final LongAdder datagramsDropped = new LongAdder();
    final LongAdder capsulesSent = new LongAdder();
    final LongAdder capsulesReceived = new LongAdder();
    final LongAdder protocolErrors = new LongAdder();
    final LongAdder handlerErrors = new LongAdder();
    private final ProtocolCounters parent;

    /** Counters with no parent (a server's or client's totals). */
    public ProtocolCounters() {
        this(null);
    }

    ProtocolCounters(ProtocolCounters parent) {
        this.parent = parent;
    }

    enum Kind { SESSIONS_REQUESTED, SESSIONS_ACCEPTED, SESSIONS_REJECTED, SESSIONS_CLOSED, STREAMS_OPENED,
        STREAMS_CLOSED, STREAMS_REJECTED, STREAMS_RESET, BYTES_SENT, BYTES_RECEIVED, DATAGRAMS_SENT,
        DATAGRAMS_RECEIVED, DATAGRAMS_DROPPED, CAPSULES_SENT, CAPSULES_RECEIVED, PROTOCOL_ERRORS, HANDLER_ERRORS }

    void add(Kind kind, long n) {
        adder(kind).add(n);
        if (parent != null) {
            parent.add(kind, n);
        }
    }

    void increment(Kind kind) {
        add(kind, 1);
    }

    private LongAdder adder(Kind kind) {
        return switch (kind) {
            case SESSIONS_REQUESTED -> sessionsRequested;
            case SESSIONS_ACCEPTED -> sessionsAccepted;
            case SESSIONS_REJECTED -> sessionsRejected;
            case SESSIONS_CLOSED -> sessionsClosed;
            case STREAMS_OPENED -> streamsOpened;
            case STREAMS_CLOSED -> streamsClosed;
            case STREAMS_REJECTED -> streamsRejected;
            case STREAMS_RESET -> streamsReset;
            case BYTES_SENT -> bytesSent;
            case BYTES_RECEIVED -> bytesReceived;
            case DATAGRAMS_SENT -> datagramsSent;
            case DATAGRAMS_RECEIVED -> datagramsReceived;
            case DATAGRAMS_DROPPED -> datagramsDropped;
            case CAPSULES_SENT -> capsulesSent;
            case CAPSULES_RECEIVED -> capsulesReceived;
            case PROTOCOL_ERRORS -> protocolErrors;
            case HANDLER_ERRORS -> handlerErrors;
        };
    }

    /** A snapshot with the given current values. */
    public HandlerStats snapshot(Instant createdAt, int activeSessions, int activeStreams) {
        return new HandlerStats(createdAt, sessionsRequested.sum(), sessionsAccepted.sum(), sessionsRejected.sum(),
                sessionsClosed.sum(), activeSessions, streamsOpened.sum(), streamsClosed.sum(), streamsRejected.sum(),
                streamsReset.sum(), activeStreams, bytesSent.sum(), bytesReceived.sum(), datagramsSent.sum(),
                datagramsReceived.sum(), datagramsDropped.sum(), capsulesSent.sum(), capsulesReceived.sum(),
                protocolErrors.sum(), handlerErrors.sum());
    }
}

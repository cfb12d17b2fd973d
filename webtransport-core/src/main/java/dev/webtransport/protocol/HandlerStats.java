package dev.webtransport.protocol;

import java.time.Instant;

/**
 * A snapshot of a protocol handler's counters (the seed's {@code stats}). Totals are monotonic; {@code active*}
 * are current values. Session flow control: {@code dataBlocked} / {@code streamsBlocked} count the times our sending
 * or opening waited for the peer's credit, {@code peer*Blocked} the WT_*_BLOCKED capsules the peer sent, and
 * {@code flowControlErrors} the sessions ended with WT_FLOW_CONTROL_ERROR.
 */
public record HandlerStats(
        Instant createdAt,
        long sessionsRequested, long sessionsAccepted, long sessionsRejected, long sessionsClosed, int activeSessions,
        long streamsOpened, long streamsClosed, long streamsRejected, long streamsReset, int activeStreams,
        long bytesSent, long bytesReceived,
        long datagramsSent, long datagramsReceived, long datagramsDropped,
        long capsulesSent, long capsulesReceived,
        long protocolErrors, long handlerErrors,
        long dataBlocked, long streamsBlocked, long peerDataBlocked, long peerStreamsBlocked,
        long flowControlErrors) {

    /** Errors per created session or stream (0 when nothing was created). */
    public double errorRate() {
        long work = sessionsRequested + streamsOpened;
        return work == 0 ? 0.0 : (double) (protocolErrors + handlerErrors) / work;
    }
}

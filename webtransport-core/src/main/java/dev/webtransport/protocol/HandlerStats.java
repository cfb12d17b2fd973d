package dev.webtransport.protocol;

import java.time.Instant;

/**
 * A snapshot of a protocol handler's counters (the seed's {@code stats}). Totals are monotonic; {@code active*}
 * are current values.
 */
public record HandlerStats(
        Instant createdAt,
        long sessionsRequested, long sessionsAccepted, long sessionsRejected, long sessionsClosed, int activeSessions,
        long streamsOpened, long streamsClosed, long streamsRejected, long streamsReset, int activeStreams,
        long bytesSent, long bytesReceived,
        long datagramsSent, long datagramsReceived, long datagramsDropped,
        long capsulesSent, long capsulesReceived,
        long protocolErrors, long handlerErrors) {

    /** Errors per created session or stream (0 when nothing was created). */
    public double errorRate() {
        long work = sessionsRequested + streamsOpened;
        return work == 0 ? 0.0 : (double) (protocolErrors + handlerErrors) / work;
    }
}

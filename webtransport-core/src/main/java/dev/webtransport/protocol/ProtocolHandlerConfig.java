package dev.webtransport.protocol;

import java.time.Duration;

/**
 * Engine limits of one connection's handler.
 *
 * @param maxSessionsPerConnection  sessions one connection may carry at once (advertised as WT_MAX_SESSIONS)
 * @param maxBufferedStreams        streams that may wait for their session to be accepted; more are rejected with
 *                                  WT_BUFFERED_STREAM_REJECTED
 * @param bufferedStreamTimeout     how long such a stream may wait
 * @param streamReceiveBuffer       bytes buffered per stream before reading from QUIC pauses (backpressure)
 * @param maxPendingWriteBytes      bytes per stream accepted by {@code write} but not yet by QUIC; beyond, writes fail
 * @param maxCapsuleLength          largest capsule accepted on a CONNECT stream
 * @param datagramReceiveQueue      datagrams per session waiting for the application; more are dropped
 * @param pendingStreamOpens        local stream opens waiting for QUIC stream credit; more fail
 * @param streamOpenTimeout         how long a local open waits for credit
 * @param closeTimeout              how long after our close capsule the CONNECT stream may stay open
 * @param maxStreamsPerSession      streams the peer may have open at once on one session (0 = only QUIC's stream
 *                                  credit limits them); more are refused with H3_REQUEST_REJECTED and counted
 * @param flowControl               session-level flow control (WT_MAX_DATA / WT_MAX_STREAMS) when the peer declares
 *                                  it too; more than one draft-13+ session per connection needs it
 */
public record ProtocolHandlerConfig(int maxSessionsPerConnection, int maxBufferedStreams,
                                    Duration bufferedStreamTimeout, int streamReceiveBuffer,
                                    long maxPendingWriteBytes, int maxCapsuleLength, int datagramReceiveQueue,
                                    int pendingStreamOpens, Duration streamOpenTimeout, Duration closeTimeout,
                                    int maxStreamsPerSession, FlowControlConfig flowControl) {
    /** With unlimited session flow control (see {@link FlowControlConfig#unlimited()}). */
    public ProtocolHandlerConfig(int maxSessionsPerConnection, int maxBufferedStreams, Duration bufferedStreamTimeout,
                                 int streamReceiveBuffer, long maxPendingWriteBytes, int maxCapsuleLength,
                                 int datagramReceiveQueue, int pendingStreamOpens, Duration streamOpenTimeout,
                                 Duration closeTimeout, int maxStreamsPerSession) {
        this(maxSessionsPerConnection, maxBufferedStreams, bufferedStreamTimeout, streamReceiveBuffer,
                maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens, streamOpenTimeout,
                closeTimeout, maxStreamsPerSession, FlowControlConfig.unlimited());
    }

    /** Without a per-session stream limit (QUIC's stream credit alone). */
    public ProtocolHandlerConfig(int maxSessionsPerConnection, int maxBufferedStreams, Duration bufferedStreamTimeout,
                                 int streamReceiveBuffer, long maxPendingWriteBytes, int maxCapsuleLength,
                                 int datagramReceiveQueue, int pendingStreamOpens, Duration streamOpenTimeout,
                                 Duration closeTimeout) {
        this(maxSessionsPerConnection, maxBufferedStreams, bufferedStreamTimeout, streamReceiveBuffer,
                maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens, streamOpenTimeout,
                closeTimeout, 0);
    }

    public ProtocolHandlerConfig {
        java.util.Objects.requireNonNull(flowControl, "flowControl");
        if (maxSessionsPerConnection < 1 || maxBufferedStreams < 0 || streamReceiveBuffer < 1024
                || maxPendingWriteBytes < 1024 || maxCapsuleLength < 1028 || datagramReceiveQueue < 1
                || pendingStreamOpens < 0 || maxStreamsPerSession < 0) {
            throw new IllegalArgumentException("invalid protocol handler limits: " + this);
        }
    }

    /**
     * Defaults: 1 session per connection, 24 buffered streams for 5 s, 1 MiB receive and 8 MiB write buffers, 256
     * open peer streams per session, session flow control declared but unlimited.
     */
    public static ProtocolHandlerConfig defaults() {
        return new ProtocolHandlerConfig(1, 24, Duration.ofSeconds(5), 1024 * 1024, 8L * 1024 * 1024, 65536, 1024,
                1024, Duration.ofSeconds(10), Duration.ofSeconds(5), 256, FlowControlConfig.unlimited());
    }

    public ProtocolHandlerConfig withMaxStreamsPerSession(int n) {
        return new ProtocolHandlerConfig(maxSessionsPerConnection, maxBufferedStreams, bufferedStreamTimeout,
                streamReceiveBuffer, maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens,
                streamOpenTimeout, closeTimeout, n, flowControl);
    }

    public ProtocolHandlerConfig withMaxSessionsPerConnection(int n) {
        return new ProtocolHandlerConfig(n, maxBufferedStreams, bufferedStreamTimeout, streamReceiveBuffer,
                maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens, streamOpenTimeout,
                closeTimeout, maxStreamsPerSession, flowControl);
    }

    public ProtocolHandlerConfig withMaxBufferedStreams(int n) {
        return new ProtocolHandlerConfig(maxSessionsPerConnection, n, bufferedStreamTimeout, streamReceiveBuffer,
                maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens, streamOpenTimeout,
                closeTimeout, maxStreamsPerSession, flowControl);
    }

    public ProtocolHandlerConfig withStreamReceiveBuffer(int bytes) {
        return new ProtocolHandlerConfig(maxSessionsPerConnection, maxBufferedStreams, bufferedStreamTimeout, bytes,
                maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens, streamOpenTimeout,
                closeTimeout, maxStreamsPerSession, flowControl);
    }

    public ProtocolHandlerConfig withDatagramReceiveQueue(int n) {
        return new ProtocolHandlerConfig(maxSessionsPerConnection, maxBufferedStreams, bufferedStreamTimeout,
                streamReceiveBuffer, maxPendingWriteBytes, maxCapsuleLength, n, pendingStreamOpens, streamOpenTimeout,
                closeTimeout, maxStreamsPerSession, flowControl);
    }

    public ProtocolHandlerConfig withFlowControl(FlowControlConfig fc) {
        return new ProtocolHandlerConfig(maxSessionsPerConnection, maxBufferedStreams, bufferedStreamTimeout,
                streamReceiveBuffer, maxPendingWriteBytes, maxCapsuleLength, datagramReceiveQueue, pendingStreamOpens,
                streamOpenTimeout, closeTimeout, maxStreamsPerSession, fc);
    }
}

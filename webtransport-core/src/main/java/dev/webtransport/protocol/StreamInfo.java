package dev.webtransport.protocol;

import java.time.Instant;

/**
 * Live state of one WebTransport data stream (the seed's {@code StreamInfo}), kept current by the owning
 * {@link WebTransportProtocolHandler}. Byte counts are stream body bytes (the 0x41/0x54 preamble excluded).
 */
public final class StreamInfo {
    private final long streamId;
    private final long sessionId;
    private final StreamDirection direction;
    private final Instant createdAt;
    private volatile StreamState state = StreamState.OPEN;
    private volatile long bytesSent;
    private volatile long bytesReceived;
    private volatile Instant closedAt;
    private volatile Long closeCode;
    private volatile String closeReason;

    public StreamInfo(long streamId, long sessionId, StreamDirection direction, Instant createdAt) {
        this.streamId = streamId;
        this.sessionId = sessionId;
        this.direction = direction;
        this.createdAt = createdAt;
    }

    public long streamId() { return streamId; }
    public long sessionId() { return sessionId; }
    public StreamDirection direction() { return direction; }
    public StreamState state() { return state; }
    public Instant createdAt() { return createdAt; }
    public long bytesSent() { return bytesSent; }
    public long bytesReceived() { return bytesReceived; }
    public Instant closedAt() { return closedAt; }
    /** The WebTransport application code (or HTTP/3 code when unmapped) the stream was reset with, if any. */
    public Long closeCode() { return closeCode; }
    public String closeReason() { return closeReason; }

    void addBytesSent(long n) { bytesSent += n; }
    void addBytesReceived(long n) { bytesReceived += n; }
    void state(StreamState state) {
        this.state = state;
        if (state.isTerminal() && closedAt == null) {
            closedAt = Instant.now();
        }
    }
    void closed(StreamState terminal, Long code, String reason) {
        if (closedAt == null) {
            closeCode = code;
            closeReason = reason;
        }
        state(terminal);
    }

    @Override
    public String toString() {
        return "StreamInfo{streamId=" + streamId + ", sessionId=" + sessionId + ", direction=" + direction
                + ", state=" + state + ", sent=" + bytesSent + ", received=" + bytesReceived + '}';
    }
}

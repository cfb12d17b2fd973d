package dev.webtransport.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Live state of one WebTransport session (the seed's {@code WebTransportSessionInfo}). The owning
 * {@link WebTransportProtocolHandler} keeps every field current on its event loop; readers on other threads see
 * the latest published values.
 *
 * <p>Flow-control fields: with session flow control off (Chromium's and Flupke's dialects) the limits report the
 * values advertised in SETTINGS, and the counters report the stream body bytes and streams actually exchanged.
 */
public final class WebTransportSessionInfo {
    private final long sessionId;
    private final long streamId;
    private final String path;
    private final Map<String, List<String>> headers;
    private final Instant createdAt;
    private volatile SessionState state = SessionState.CONNECTING;
    private volatile Instant readyAt;
    private volatile Instant closedAt;
    private volatile Long closeCode;
    private volatile String closeReason;
    private volatile long localMaxData;
    private volatile long localDataSent;
    private volatile long peerMaxData;
    private volatile long peerDataSent;
    private volatile long localMaxStreamsBidi;
    private volatile long localStreamsBidiOpened;
    private volatile long peerMaxStreamsBidi;
    private volatile long peerStreamsBidiOpened;
    private volatile long localMaxStreamsUni;
    private volatile long localStreamsUniOpened;
    private volatile long peerMaxStreamsUni;
    private volatile long peerStreamsUniOpened;

    public WebTransportSessionInfo(long sessionId, long streamId, String path, Map<String, List<String>> headers,
                                   Instant createdAt) {
        this.sessionId = sessionId;
        this.streamId = streamId;
        this.path = path;
        this.headers = Map.copyOf(headers);
        this.createdAt = createdAt;
    }

    public long sessionId() { return sessionId; }
    /** Id of the CONNECT stream that carries the session (equal to the session id). */
    public long streamId() { return streamId; }
    public SessionState state() { return state; }
    public String path() { return path; }
    public Instant createdAt() { return createdAt; }
    /** Request headers of the CONNECT (lower-case names, pseudo-headers included). */
    public Map<String, List<String>> headers() { return headers; }
    public Instant readyAt() { return readyAt; }
    public Instant closedAt() { return closedAt; }
    public Long closeCode() { return closeCode; }
    public String closeReason() { return closeReason; }
    public long localMaxData() { return localMaxData; }
    public long localDataSent() { return localDataSent; }
    public long peerMaxData() { return peerMaxData; }
    public long peerDataSent() { return peerDataSent; }
    public long localMaxStreamsBidi() { return localMaxStreamsBidi; }
    public long localStreamsBidiOpened() { return localStreamsBidiOpened; }
    public long peerMaxStreamsBidi() { return peerMaxStreamsBidi; }
    public long peerStreamsBidiOpened() { return peerStreamsBidiOpened; }
    public long localMaxStreamsUni() { return localMaxStreamsUni; }
    public long localStreamsUniOpened() { return localStreamsUniOpened; }
    public long peerMaxStreamsUni() { return peerMaxStreamsUni; }
    public long peerStreamsUniOpened() { return peerStreamsUniOpened; }

    void state(SessionState state) { this.state = state; }
    void markReady(Instant at) { this.readyAt = at; this.state = SessionState.CONNECTED; }
    void markClosed(Instant at, long code, String reason) {
        this.closedAt = at;
        this.closeCode = code;
        this.closeReason = reason;
        this.state = SessionState.CLOSED;
    }
    void limits(long localMaxData, long peerMaxData, long localMaxStreamsBidi, long peerMaxStreamsBidi,
                long localMaxStreamsUni, long peerMaxStreamsUni) {
        this.localMaxData = localMaxData;
        this.peerMaxData = peerMaxData;
        this.localMaxStreamsBidi = localMaxStreamsBidi;
        this.peerMaxStreamsBidi = peerMaxStreamsBidi;
        this.localMaxStreamsUni = localMaxStreamsUni;
        this.peerMaxStreamsUni = peerMaxStreamsUni;
    }
    void addLocalDataSent(long n) { localDataSent += n; }
    void addPeerDataSent(long n) { peerDataSent += n; }
    void localStreamOpened(boolean bidi) {
        if (bidi) { localStreamsBidiOpened++; } else { localStreamsUniOpened++; }
    }
    void peerStreamOpened(boolean bidi) {
        if (bidi) { peerStreamsBidiOpened++; } else { peerStreamsUniOpened++; }
    }

    @Override
    public String toString() {
        return "WebTransportSessionInfo{sessionId=" + sessionId + ", path=" + path + ", state=" + state
                + ", closeCode=" + closeCode + ", closeReason=" + closeReason + '}';
    }
}

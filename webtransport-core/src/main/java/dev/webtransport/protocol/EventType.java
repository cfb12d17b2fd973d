package dev.webtransport.protocol;

/** Kinds of events a {@link WebTransportProtocolHandler} publishes (the seed's events API). */
public enum EventType {
    CONNECTION_ESTABLISHED, CONNECTION_CLOSED, SETTINGS_RECEIVED,
    SESSION_REQUEST, SESSION_READY, SESSION_REJECTED, SESSION_DRAINING, SESSION_CLOSED,
    STREAM_OPENED, STREAM_CLOSED, STREAM_RESET, DATAGRAM_RECEIVED, PROTOCOL_ERROR,
    /** The peer raised our session data limit (WT_MAX_DATA); data: sessionId, limit. */
    SESSION_MAX_DATA_UPDATED,
    /** The peer raised our bidirectional stream limit (WT_MAX_STREAMS); data: sessionId, limit. */
    SESSION_MAX_STREAMS_BIDI_UPDATED,
    /** The peer raised our unidirectional stream limit (WT_MAX_STREAMS); data: sessionId, limit. */
    SESSION_MAX_STREAMS_UNI_UPDATED,
    /** Session data credit ran out; data: sessionId, limit, byPeer (true: the peer reported WT_DATA_BLOCKED). */
    SESSION_DATA_BLOCKED,
    /** Session stream credit ran out; data: sessionId, limit, bidirectional, byPeer. */
    SESSION_STREAMS_BLOCKED
}

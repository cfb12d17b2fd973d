package dev.webtransport.protocol;

/** Kinds of events a {@link WebTransportProtocolHandler} publishes (the seed's events API). */
public enum EventType {
    CONNECTION_ESTABLISHED, CONNECTION_CLOSED, SETTINGS_RECEIVED,
    SESSION_REQUEST, SESSION_READY, SESSION_REJECTED, SESSION_DRAINING, SESSION_CLOSED,
    STREAM_OPENED, STREAM_CLOSED, STREAM_RESET, DATAGRAM_RECEIVED, PROTOCOL_ERROR
}

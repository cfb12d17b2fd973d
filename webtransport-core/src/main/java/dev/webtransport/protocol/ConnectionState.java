package dev.webtransport.protocol;

/** Lifecycle of the QUIC connection under a {@link WebTransportProtocolHandler}. */
public enum ConnectionState {
    IDLE, CONNECTING, CONNECTED, DRAINING, CLOSING, CLOSED, FAILED
}

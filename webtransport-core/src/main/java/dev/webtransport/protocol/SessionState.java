package dev.webtransport.protocol;

/** Lifecycle of one WebTransport session. */
public enum SessionState {
    /** CONNECT sent or received, not answered yet. */
    CONNECTING,
    /** 2xx sent or received: streams and datagrams flow. */
    CONNECTED,
    /** The peer or we asked to wrap up (DRAIN capsule or GOAWAY); still usable. */
    DRAINING,
    /** A close capsule was sent; waiting for the CONNECT stream to end. */
    CLOSING,
    /** Terminated: no more streams or datagrams. */
    CLOSED
}

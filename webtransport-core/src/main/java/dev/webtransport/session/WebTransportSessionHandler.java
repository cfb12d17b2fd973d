package dev.webtransport.session;

/**
 * Callbacks of one session. They run on the engine's executor, never on a Netty event loop, one at a time per
 * session and in arrival order. An exception thrown from a callback closes the session with
 * {@link #HANDLER_ERROR_CODE} and is passed to {@link #onError}.
 */
public interface WebTransportSessionHandler {
    /** Close code used when a callback throws. */
    long HANDLER_ERROR_CODE = 0xffff_fff0L;

    /** The session is ready: the 2xx was sent (server) or received (client). */
    default void onOpen(WebTransportSession session) {
    }

    /** The peer opened a bidirectional stream. */
    default void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
    }

    /** The peer opened a unidirectional stream. */
    default void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
    }

    /** A datagram arrived (prefix removed). */
    default void onDatagram(WebTransportSession session, byte[] payload) {
    }

    /** The peer asked to wrap up (DRAIN capsule or GOAWAY). The session stays usable. */
    default void onDraining(WebTransportSession session) {
    }

    /** The session ended; no more streams or datagrams. Called exactly once. */
    default void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
    }

    /** A callback threw, or the session failed. */
    default void onError(WebTransportSession session, Throwable error) {
    }
}

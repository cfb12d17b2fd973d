package dev.webtransport.session;

import dev.webtransport.protocol.WebTransportSessionInfo;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A WebTransport session, on either side. Every method is safe to call from any thread. */
public interface WebTransportSession {
    /** The session id (the CONNECT stream id). */
    long sessionId();

    /** The request path of the CONNECT. */
    String path();

    /** The request headers of the CONNECT (lower-case names). */
    Map<String, List<String>> headers();

    /** Live state and counters. */
    WebTransportSessionInfo info();

    /** The peer's address. */
    SocketAddress remoteAddress();

    /** The negotiated subprotocol, or null when none was negotiated. */
    String protocol();

    /** Path variables resolved by the router (server side), empty otherwise. */
    Map<String, String> pathVariables();

    /** Mutable per-session attributes for the application. */
    Map<String, Object> attributes();

    /** Opens a bidirectional stream; waits (bounded) for QUIC stream credit when the peer's limit is reached. */
    CompletableFuture<WebTransportBidirectionalStream> openBidirectionalStream();

    /** Opens a unidirectional stream. */
    CompletableFuture<WebTransportSendStream> openUnidirectionalStream();

    /** Sends a datagram; fails with a {@link dev.webtransport.protocol.DatagramException} when too large. */
    CompletableFuture<Void> sendDatagram(byte[] payload);

    /** Largest datagram payload that fits one QUIC packet now, 0 when the peer does not accept datagrams. */
    int maxDatagramSize();

    /** Closes with a 32-bit code and a reason (truncated to 1024 UTF-8 bytes); completes when the capsule and FIN were sent. */
    CompletableFuture<Void> close(long code, String reason);

    /** Closes with code 0 and no reason. */
    default CompletableFuture<Void> close() {
        return close(0, "");
    }

    /** Asks the peer to wrap up (DRAIN capsule); the session stays usable. */
    CompletableFuture<Void> drain();

    /** Completes when the session ended, with how it ended. */
    CompletableFuture<SessionCloseInfo> closed();

    /** Whether the session is ready and not closed. */
    boolean isOpen();
}

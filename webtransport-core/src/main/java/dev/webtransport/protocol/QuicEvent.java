package dev.webtransport.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;

import java.util.Map;

/**
 * What the Netty adapters report to {@link WebTransportProtocolHandler#handleQuicEvent(QuicEvent)}. Events carrying
 * a {@link ByteBuf} hand its ownership to the handler.
 */
public sealed interface QuicEvent {
    /** The QUIC handshake finished. */
    record ConnectionEstablished() implements QuicEvent { }

    /** The peer's HTTP/3 SETTINGS arrived (every id kept, non-standard ones included). */
    record PeerSettingsReceived(Map<Long, Long> settings) implements QuicEvent { }

    /** The peer accepts QUIC DATAGRAM frames up to this size. */
    record DatagramSupportNegotiated(int maxDatagramFrameSize) implements QuicEvent { }

    /** A QUIC DATAGRAM arrived (quarter stream id prefix still in place). */
    record DatagramReceived(ByteBuf datagram) implements QuicEvent { }

    /** The peer granted more stream credit. */
    record StreamLimitsChanged() implements QuicEvent { }

    /** The peer sent GOAWAY. */
    record GoAwayReceived(long id) implements QuicEvent { }

    /** Server: an HTTP/3 request HEADERS arrived on a client bidi stream. */
    record SessionRequested(QuicStreamChannel connectStream, Http3Headers headers) implements QuicEvent { }

    /** Client: the response HEADERS to our CONNECT arrived. */
    record SessionResponded(long sessionId, Http3Headers headers) implements QuicEvent { }

    /** DATA frame payload on a CONNECT stream (capsules). */
    record CapsuleDataReceived(long sessionId, ByteBuf data) implements QuicEvent { }

    /** The peer ended its side of a CONNECT stream (FIN). */
    record ConnectStreamEnded(long sessionId) implements QuicEvent { }

    /** A CONNECT stream was reset or failed. */
    record ConnectStreamFailed(long sessionId, Throwable cause) implements QuicEvent { }

    /** A peer-initiated WebTransport stream arrived and its preamble named {@code sessionId}. */
    record StreamOpened(QuicStreamChannel stream, long sessionId) implements QuicEvent { }

    /** A peer-initiated stream ended (FIN) before its WebTransport preamble was complete. */
    record StreamPreambleTruncated(QuicStreamChannel stream) implements QuicEvent { }

    /** Body bytes on a WebTransport stream. */
    record StreamDataReceived(long streamId, ByteBuf data) implements QuicEvent { }

    /** The peer ended a WebTransport stream (FIN). */
    record StreamFinished(long streamId) implements QuicEvent { }

    /** The peer reset a WebTransport stream with an HTTP/3 code. */
    record StreamReset(long streamId, long http3Code) implements QuicEvent { }

    /** A stream's writability changed. */
    record StreamWritabilityChanged(long streamId, boolean writable) implements QuicEvent { }

    /** A stream channel closed (both directions done or aborted). */
    record StreamClosed(long streamId) implements QuicEvent { }

    /** The peer broke a rule that ends the whole connection. */
    record ProtocolViolation(long errorCode, String message) implements QuicEvent { }

    /** The QUIC connection is gone. */
    record ConnectionClosed(Throwable cause) implements QuicEvent { }
}

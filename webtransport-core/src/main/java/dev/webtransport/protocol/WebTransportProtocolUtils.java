package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.ErrorCodes;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;

import java.time.Duration;
import java.util.List;

/**
 * Stream-id and state helpers of the seed's {@code protocol.utils}. QUIC stream ids carry their initiator in bit 0
 * (0 = client) and their directionality in bit 1 (0 = bidirectional), RFC 9000 §2.1.
 */
public final class WebTransportProtocolUtils {
    /** Default stream window: large enough for a high bandwidth-delay product on loopback and LAN. */
    public static final long DEFAULT_STREAM_WINDOW = 4L * 1024 * 1024;
    /** Default connection window. */
    public static final long DEFAULT_CONNECTION_WINDOW = 16L * 1024 * 1024;

    private WebTransportProtocolUtils() {
    }

    /** Whether data may be received given the connection and session states. */
    public static boolean canReceiveData(ConnectionState connectionState, SessionState sessionState) {
        return connectionState == ConnectionState.CONNECTED || connectionState == ConnectionState.DRAINING
                ? sessionState == SessionState.CONNECTED || sessionState == SessionState.DRAINING
                || sessionState == SessionState.CLOSING
                : false;
    }

    /** Whether data may be sent given the connection and session states. */
    public static boolean canSendData(ConnectionState connectionState, SessionState sessionState) {
        return (connectionState == ConnectionState.CONNECTED || connectionState == ConnectionState.DRAINING)
                && (sessionState == SessionState.CONNECTED || sessionState == SessionState.DRAINING);
    }

    /** Whether the local endpoint can receive on the stream: every bidi stream, and uni streams the peer opened. */
    public static boolean canReceiveDataOnStream(long streamId, boolean isClient) {
        return isBidirectionalStream(streamId) || isClientInitiatedStream(streamId) != isClient;
    }

    /** Whether the local endpoint can send on the stream: every bidi stream, and uni streams it opened itself. */
    public static boolean canSendDataOnStream(long streamId, boolean isClient) {
        return isBidirectionalStream(streamId) || isClientInitiatedStream(streamId) == isClient;
    }

    /** The stream's direction from the local endpoint's point of view. */
    public static StreamDirection getStreamDirectionFromId(long streamId, boolean isClient) {
        requireStreamId(streamId);
        if (isBidirectionalStream(streamId)) {
            return StreamDirection.BIDIRECTIONAL;
        }
        return isClientInitiatedStream(streamId) == isClient ? StreamDirection.SEND_ONLY : StreamDirection.RECEIVE_ONLY;
    }

    public static boolean isBidirectionalStream(long streamId) {
        return (requireStreamId(streamId) & 0x2) == 0;
    }

    public static boolean isUnidirectionalStream(long streamId) {
        return !isBidirectionalStream(streamId);
    }

    public static boolean isClientInitiatedStream(long streamId) {
        return (requireStreamId(streamId) & 0x1) == 0;
    }

    public static boolean isServerInitiatedStream(long streamId) {
        return !isClientInitiatedStream(streamId);
    }

    /** Maps a 32-bit WebTransport application error code to its HTTP/3 code (draft §4.4 formula). */
    public static long webtransportCodeToHttpCode(long appErrorCode) {
        return ErrorCodes.webTransportToHttp3(appErrorCode);
    }

    /**
     * The seed's {@code create_quic_configuration}: defaults for a WebTransport endpoint (ALPN {@code h3}, datagrams
     * on, 4 MiB stream and 16 MiB connection windows, 100 bidi and 100 uni streams, 30 s idle timeout, CUBIC).
     */
    public static QuicConfiguration createQuicConfiguration(boolean isClient) {
        return new QuicConfiguration(isClient, Duration.ofSeconds(30), DEFAULT_CONNECTION_WINDOW,
                DEFAULT_STREAM_WINDOW, DEFAULT_STREAM_WINDOW, DEFAULT_STREAM_WINDOW, 100, 100, 1452,
                QuicCongestionControlAlgorithm.CUBIC, true, 1024, 1024, List.of("h3"));
    }

    private static long requireStreamId(long streamId) {
        if (streamId < 0 || streamId > (1L << 62) - 1) {
            throw new IllegalArgumentException("not a QUIC stream id: " + streamId);
        }
        return streamId;
    }
}

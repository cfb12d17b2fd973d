package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * HTTP/3 datagrams (RFC 9297): quarter stream id prefix. A QUIC DATAGRAM frame carrying
 * WebTransport data holds the session id divided by 4 as a variable-length integer, followed
 * directly by the payload.
 */
public final class HttpDatagram {

    /** The largest quarter stream id whose stream id (times 4) still fits a variable-length integer. */
    static final long MAX_QUARTER_STREAM_ID = VarInt.MAX_VALUE / 4;

    private HttpDatagram() {
    }

    /**
     * The number of bytes the quarter stream id prefix of {@code sessionId} occupies.
     *
     * @throws IllegalArgumentException if {@code sessionId} is not a valid session id
     */
    public static int prefixLength(long sessionId) {
        return VarInt.encodedLength(requireSessionId(sessionId) >>> 2);
    }

    /**
     * Builds a datagram as a new buffer (owned by the caller) holding the prefix followed by a
     * <em>copy</em> of the readable bytes of {@code payload}. {@code payload} is neither released
     * nor are its indices changed.
     *
     * @throws IllegalArgumentException if {@code sessionId} is not a valid session id
     */
    public static ByteBuf encode(ByteBufAllocator alloc, long sessionId, ByteBuf payload) {
        Objects.requireNonNull(payload, "payload");
        ByteBuf out = prefixedBuffer(alloc, sessionId, payload.readableBytes());
        out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        return out;
    }

    /**
     * Builds a datagram as a new buffer (owned by the caller) holding the prefix followed by
     * {@code payload}.
     *
     * @throws IllegalArgumentException if {@code sessionId} is not a valid session id
     */
    public static ByteBuf encode(ByteBufAllocator alloc, long sessionId, byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        ByteBuf out = prefixedBuffer(alloc, sessionId, payload.length);
        out.writeBytes(payload);
        return out;
    }

    /**
     * Reads the quarter stream id at the reader index of {@code datagram}, advancing past it, and
     * returns the session id (quarter stream id times 4). The payload is what remains readable.
     *
     * @throws WireFormatException with {@link ErrorCodes#H3_DATAGRAM_ERROR} if the datagram is
     *     empty, the prefix is truncated, or the quarter stream id exceeds {@code VarInt.MAX_VALUE / 4};
     *     the reader index is then left unchanged
     */
    public static long readSessionId(ByteBuf datagram) {
        Objects.requireNonNull(datagram, "datagram");
        long quarterStreamId = VarInt.peek(datagram);
        if (quarterStreamId == VarInt.INCOMPLETE) {
            throw new WireFormatException(ErrorCodes.H3_DATAGRAM_ERROR,
                    datagram.isReadable() ? "datagram quarter stream id truncated" : "empty datagram");
        }
        if (quarterStreamId > MAX_QUARTER_STREAM_ID) {
            throw new WireFormatException(ErrorCodes.H3_DATAGRAM_ERROR,
                    "datagram quarter stream id too large: " + quarterStreamId);
        }
        datagram.skipBytes(VarInt.lengthOfNext(datagram));
        return quarterStreamId << 2;
    }

    private static ByteBuf prefixedBuffer(ByteBufAllocator alloc, long sessionId, int payloadLength) {
        Objects.requireNonNull(alloc, "alloc");
        long quarterStreamId = requireSessionId(sessionId) >>> 2;
        int size = VarInt.encodedLength(quarterStreamId) + payloadLength;
        ByteBuf out = alloc.buffer(size, size);
        VarInt.write(out, quarterStreamId);
        return out;
    }

    private static long requireSessionId(long sessionId) {
        if (!StreamPreamble.isValidSessionId(sessionId)) {
            throw new IllegalArgumentException("invalid session id: " + sessionId);
        }
        return sessionId;
    }
}

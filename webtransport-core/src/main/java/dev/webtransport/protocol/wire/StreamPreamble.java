package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Stream preambles: 0x41 + session id on bidi streams, 0x54 + session id on uni streams.
 *
 * <p>On a bidirectional stream the preamble is the WebTransport stream signal {@code 0x41}
 * (encoded {@code 40 41}), on a unidirectional stream the stream type {@code 0x54} (encoded
 * {@code 40 54}); both are followed by the session id, the stream id of the session's CONNECT
 * stream, as a variable-length integer.
 */
public final class StreamPreamble {

    /** The signal value that opens a WebTransport bidirectional stream. */
    public static final long BIDI_SIGNAL = 0x41;
    /** The HTTP/3 stream type of a WebTransport unidirectional stream. */
    public static final long UNI_STREAM_TYPE = 0x54;

    private StreamPreamble() {
    }

    /**
     * The preamble of a WebTransport bidirectional stream, {@code 40 41 <varint sessionId>}, in a
     * new buffer owned by the caller.
     *
     * @throws IllegalArgumentException if {@code sessionId} is not a valid session id
     */
    public static ByteBuf bidi(ByteBufAllocator alloc, long sessionId) {
        return preamble(alloc, BIDI_SIGNAL, sessionId);
    }

    /**
     * The preamble of a WebTransport unidirectional stream, {@code 40 54 <varint sessionId>}, in a
     * new buffer owned by the caller.
     *
     * @throws IllegalArgumentException if {@code sessionId} is not a valid session id
     */
    public static ByteBuf uni(ByteBufAllocator alloc, long sessionId) {
        return preamble(alloc, UNI_STREAM_TYPE, sessionId);
    }

    /**
     * Whether {@code sessionId} can be the id of a client-initiated bidirectional stream (a
     * multiple of 4 in the variable-length integer range) and hence of a session.
     */
    public static boolean isValidSessionId(long sessionId) {
        return sessionId >= 0 && sessionId <= VarInt.MAX_VALUE && (sessionId & 0x3) == 0;
    }

    /**
     * Returns {@code sessionId} if it {@linkplain #isValidSessionId is valid}.
     *
     * @throws WireFormatException with {@link ErrorCodes#H3_ID_ERROR} otherwise
     */
    public static long requireValidSessionId(long sessionId) {
        if (!isValidSessionId(sessionId)) {
            throw new WireFormatException(ErrorCodes.H3_ID_ERROR,
                    "not a client-initiated bidirectional stream id, cannot name a session: " + sessionId);
        }
        return sessionId;
    }

    private static ByteBuf preamble(ByteBufAllocator alloc, long prefix, long sessionId) {
        Objects.requireNonNull(alloc, "alloc");
        if (!isValidSessionId(sessionId)) {
            throw new IllegalArgumentException("invalid session id: " + sessionId);
        }
        int size = VarInt.encodedLength(prefix) + VarInt.encodedLength(sessionId);
        ByteBuf out = alloc.buffer(size, size);
        VarInt.write(out, prefix);
        VarInt.write(out, sessionId);
        return out;
    }
}

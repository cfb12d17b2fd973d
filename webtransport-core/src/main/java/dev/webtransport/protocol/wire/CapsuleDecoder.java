package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Stateful decoder of the capsule stream carried in DATA frame payloads of one CONNECT stream.
 * Not thread-safe.
 *
 * <p>A capsule may span several DATA frames and one DATA frame may hold several capsules; the
 * decoder keeps the bytes of an incomplete capsule between calls. It holds at most the capsule
 * header (type and length, together at most 16 bytes) plus the declared value length, which must
 * not exceed the configured maximum, so it never buffers more than {@code 16 + maxCapsuleLength}
 * bytes. Unknown and GREASE capsule types are returned like any other capsule.
 *
 * <p>After a {@link WireFormatException} the stream is malformed for good: every later call to
 * {@link #decode} throws a {@link WireFormatException} with the same error code.
 */
public final class CapsuleDecoder implements AutoCloseable {

    /** The default bound on a capsule's declared value length, in bytes. */
    public static final int DEFAULT_MAX_CAPSULE_LENGTH = 65536;

    /** Longest possible capsule header: an 8-byte type and an 8-byte length. */
    static final int MAX_HEADER_LENGTH = 16;

    private static final byte[] EMPTY = new byte[0];

    private final int maxCapsuleLength;
    private final byte[] header = new byte[MAX_HEADER_LENGTH];
    private int headerLength;
    /** Type of the capsule whose value is being collected; meaningful only while {@link #value} is non-null. */
    private long valueType;
    /** Value of the capsule being collected, allocated once its header is complete. */
    private byte[] value;
    private int valueFilled;
    private long bytesDecoded;
    private WireFormatException failure;
    private boolean closed;

    /** Creates a decoder with {@link #DEFAULT_MAX_CAPSULE_LENGTH}. */
    public CapsuleDecoder() {
        this(DEFAULT_MAX_CAPSULE_LENGTH);
    }

    /**
     * @param maxCapsuleLength the largest accepted declared value length, in bytes
     * @throws IllegalArgumentException if {@code maxCapsuleLength} is negative
     */
    public CapsuleDecoder(int maxCapsuleLength) {
        if (maxCapsuleLength < 0) {
            throw new IllegalArgumentException("maxCapsuleLength must not be negative: " + maxCapsuleLength);
        }
        this.maxCapsuleLength = maxCapsuleLength;
    }

    /**
     * Consumes all readable bytes of {@code dataPayload} (without releasing it) and returns the
     * capsules completed by them, in stream order.
     *
     * @return the completed capsules; empty if the bytes only extend a partial capsule
     * @throws WireFormatException with {@link ErrorCodes#H3_MESSAGE_ERROR} if a capsule declares a
     *     value longer than the maximum; the payload's bytes are consumed nevertheless
     * @throws IllegalStateException if the decoder was closed
     */
    public List<Capsule> decode(ByteBuf dataPayload) {
        Objects.requireNonNull(dataPayload, "dataPayload");
        if (closed) {
            throw new IllegalStateException("CapsuleDecoder is closed");
        }
        if (failure != null) {
            bytesDecoded += dataPayload.readableBytes();
            dataPayload.skipBytes(dataPayload.readableBytes());
            throw new WireFormatException(failure.errorCode(), failure.getMessage());
        }
        List<Capsule> capsules = new ArrayList<>(1);
        try {
            while (dataPayload.isReadable()) {
                if (value == null) {
                    readHeaderBytes(dataPayload, capsules);
                } else {
                    readValueBytes(dataPayload, capsules);
                }
            }
        } catch (WireFormatException e) {
            failure = e;
            discardPartialCapsule();
            bytesDecoded += dataPayload.readableBytes();
            dataPayload.skipBytes(dataPayload.readableBytes());
            throw e;
        }
        return capsules;
    }

    /** Whether bytes of an incomplete capsule are held; at the end of the stream that is {@link ErrorCodes#H3_MESSAGE_ERROR}. */
    public boolean hasPartialCapsule() {
        return headerLength > 0;
    }

    /** The total number of payload bytes consumed so far, including those of a partial capsule. */
    public long bytesDecoded() {
        return bytesDecoded;
    }

    /**
     * The number of bytes of the partial capsule currently held (header bytes plus value bytes
     * received); never more than {@code 16 + maxCapsuleLength}.
     */
    public int bufferedBytes() {
        return headerLength + valueFilled;
    }

    /** The largest accepted declared value length, in bytes. */
    public int maxCapsuleLength() {
        return maxCapsuleLength;
    }

    /** Drops any partial capsule. Idempotent; {@link #decode} must not be called afterwards. */
    @Override
    public void close() {
        closed = true;
        discardPartialCapsule();
    }

    private void readHeaderBytes(ByteBuf in, List<Capsule> out) {
        int needed = headerBytesNeeded();
        int copied = Math.min(needed - headerLength, in.readableBytes());
        in.readBytes(header, headerLength, copied);
        headerLength += copied;
        bytesDecoded += copied;
        if (headerLength < needed || !headerComplete()) {
            return;
        }
        long type = VarInt.decode(header, 0);
        long length = VarInt.decode(header, VarInt.lengthFromFirstByte(header[0]));
        if (length > maxCapsuleLength) {
            throw new WireFormatException(ErrorCodes.H3_MESSAGE_ERROR,
                    "capsule " + CapsuleTypes.name(type) + " declares " + length
                            + " bytes, more than the limit of " + maxCapsuleLength);
        }
        if (length == 0) {
            out.add(new Capsule(type, EMPTY));
            headerLength = 0;
            return;
        }
        valueType = type;
        value = new byte[(int) length];
        valueFilled = 0;
    }

    private void readValueBytes(ByteBuf in, List<Capsule> out) {
        int copied = Math.min(value.length - valueFilled, in.readableBytes());
        in.readBytes(value, valueFilled, copied);
        valueFilled += copied;
        bytesDecoded += copied;
        if (valueFilled == value.length) {
            out.add(new Capsule(valueType, value));
            discardPartialCapsule();
        }
    }

    /** Total header length known from the bytes seen so far (grows as the varint prefixes arrive). */
    private int headerBytesNeeded() {
        if (headerLength == 0) {
            return 1;
        }
        int typeLength = VarInt.lengthFromFirstByte(header[0]);
        if (headerLength < typeLength) {
            return typeLength;
        }
        if (headerLength == typeLength) {
            return typeLength + 1;
        }
        return typeLength + VarInt.lengthFromFirstByte(header[typeLength]);
    }

    private boolean headerComplete() {
        int typeLength = VarInt.lengthFromFirstByte(header[0]);
        return headerLength > typeLength
                && headerLength == typeLength + VarInt.lengthFromFirstByte(header[typeLength]);
    }

    private void discardPartialCapsule() {
        headerLength = 0;
        value = null;
        valueFilled = 0;
    }
}

package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * QUIC variable-length integers (RFC 9000 §16): the two most significant bits of the first byte
 * give the encoded length (1, 2, 4 or 8 bytes), the remaining bits hold the value in network byte
 * order.
 *
 * <p>Writers always use the shortest encoding. Readers accept every encoding, including
 * non-minimal ones, which QUIC and HTTP/3 explicitly allow.
 */
public final class VarInt {

    /** The largest value a variable-length integer can hold: 2<sup>62</sup> - 1. */
    public static final long MAX_VALUE = (1L << 62) - 1;

    /** Returned by {@link #read} and {@link #peek} when the buffer does not hold the whole integer. */
    public static final long INCOMPLETE = -1;

    private static final long MAX_ONE_BYTE = (1L << 6) - 1;
    private static final long MAX_TWO_BYTES = (1L << 14) - 1;
    private static final long MAX_FOUR_BYTES = (1L << 30) - 1;

    private VarInt() {
    }

    /**
     * The number of bytes (1, 2, 4 or 8) of the shortest encoding of {@code value}.
     *
     * @throws IllegalArgumentException if {@code value} is negative or greater than {@link #MAX_VALUE}
     */
    public static int encodedLength(long value) {
        requireInRange(value);
        if (value <= MAX_ONE_BYTE) {
            return 1;
        }
        if (value <= MAX_TWO_BYTES) {
            return 2;
        }
        if (value <= MAX_FOUR_BYTES) {
            return 4;
        }
        return 8;
    }

    /**
     * Writes the shortest encoding of {@code value} at the writer index of {@code out}.
     *
     * @throws IllegalArgumentException if {@code value} is negative or greater than {@link #MAX_VALUE}
     */
    public static void write(ByteBuf out, long value) {
        Objects.requireNonNull(out, "out");
        switch (encodedLength(value)) {
            case 1 -> out.writeByte((int) value);
            case 2 -> out.writeShort((int) (0x4000 | value));
            case 4 -> out.writeInt((int) (0x8000_0000L | value));
            default -> out.writeLong(0xC000_0000_0000_0000L | value);
        }
    }

    /**
     * Returns the shortest encoding of {@code value} as a new array.
     *
     * @throws IllegalArgumentException if {@code value} is negative or greater than {@link #MAX_VALUE}
     */
    public static byte[] encode(long value) {
        int length = encodedLength(value);
        byte[] bytes = new byte[length];
        long prefix = switch (length) {
            case 1 -> 0L;
            case 2 -> 0x4000L;
            case 4 -> 0x8000_0000L;
            default -> 0xC000_0000_0000_0000L;
        };
        long encoded = prefix | value;
        for (int i = length - 1; i >= 0; i--) {
            bytes[i] = (byte) encoded;
            encoded >>>= 8;
        }
        return bytes;
    }

    /**
     * Reads one integer at the reader index of {@code in} and advances the reader index past it.
     *
     * @return the value, or {@link #INCOMPLETE} (leaving the reader index untouched) if fewer bytes
     *     are readable than the integer occupies
     */
    public static long read(ByteBuf in) {
        long value = peek(in);
        if (value != INCOMPLETE) {
            in.skipBytes(lengthOfNext(in));
        }
        return value;
    }

    /**
     * Like {@link #read} but never moves the reader index.
     *
     * @return the value, or {@link #INCOMPLETE} if fewer bytes are readable than the integer occupies
     */
    public static long peek(ByteBuf in) {
        int length = lengthOfNext(in);
        if (length < 0 || in.readableBytes() < length) {
            return INCOMPLETE;
        }
        int index = in.readerIndex();
        return switch (length) {
            case 1 -> in.getUnsignedByte(index);
            case 2 -> in.getUnsignedShort(index) & 0x3FFF;
            case 4 -> in.getUnsignedInt(index) & 0x3FFF_FFFFL;
            default -> in.getLong(index) & MAX_VALUE;
        };
    }

    /**
     * The number of bytes (1, 2, 4 or 8) the next integer occupies, judged from its first byte.
     *
     * @return the length, or -1 if {@code in} has no readable byte
     */
    public static int lengthOfNext(ByteBuf in) {
        Objects.requireNonNull(in, "in");
        if (!in.isReadable()) {
            return -1;
        }
        return lengthFromFirstByte(in.getByte(in.readerIndex()));
    }

    /**
     * Decodes the integer that starts at {@code bytes[offset]}.
     *
     * @throws WireFormatException with {@link ErrorCodes#H3_FRAME_ERROR} if the array ends before
     *     the integer does (including {@code offset == bytes.length})
     * @throws IndexOutOfBoundsException if {@code offset} is negative or greater than the array length
     */
    public static long decode(byte[] bytes, int offset) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.checkIndex(offset, bytes.length + 1);
        if (offset == bytes.length) {
            throw new WireFormatException(ErrorCodes.H3_FRAME_ERROR, "variable-length integer missing");
        }
        int length = lengthFromFirstByte(bytes[offset]);
        if (bytes.length - offset < length) {
            throw new WireFormatException(ErrorCodes.H3_FRAME_ERROR,
                    "variable-length integer truncated: needs " + length + " bytes, "
                            + (bytes.length - offset) + " available");
        }
        long value = bytes[offset] & 0x3F;
        for (int i = 1; i < length; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    /** The encoded length (1, 2, 4 or 8) announced by the two high bits of a first byte. */
    static int lengthFromFirstByte(byte firstByte) {
        return 1 << ((firstByte & 0xFF) >>> 6);
    }

    private static void requireInRange(long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException(
                    "value out of variable-length integer range [0, 2^62-1]: " + value);
        }
    }
}

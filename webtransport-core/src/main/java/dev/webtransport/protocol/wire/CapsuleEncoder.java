package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Encodes capsules (RFC 9297 §3.2) as {@code type (varint) | length (varint) | value}. The result
 * is the payload of one HTTP/3 DATA frame; the caller adds the DATA frame header.
 */
public final class CapsuleEncoder {

    private CapsuleEncoder() {
    }

    /**
     * Encodes one capsule into a new buffer of exactly the encoded size, owned by the caller.
     *
     * @throws IllegalArgumentException if {@code type} is not a valid variable-length integer
     */
    public static ByteBuf encode(ByteBufAllocator alloc, long type, byte[] value) {
        Objects.requireNonNull(alloc, "alloc");
        Objects.requireNonNull(value, "value");
        int size = encodedLength(type, value.length);
        ByteBuf out = alloc.buffer(size, size);
        VarInt.write(out, type);
        VarInt.write(out, value.length);
        out.writeBytes(value);
        return out;
    }

    /** Encodes {@code capsule} into a new buffer of exactly the encoded size, owned by the caller. */
    public static ByteBuf encode(ByteBufAllocator alloc, Capsule capsule) {
        Objects.requireNonNull(alloc, "alloc");
        Objects.requireNonNull(capsule, "capsule");
        int size = encodedLength(capsule.type(), capsule.valueLength());
        ByteBuf out = alloc.buffer(size, size);
        VarInt.write(out, capsule.type());
        VarInt.write(out, capsule.valueLength());
        capsule.writeValueTo(out);
        return out;
    }

    /**
     * The number of bytes a capsule of {@code type} with a value of {@code valueLength} bytes occupies.
     *
     * @throws IllegalArgumentException if {@code type} or {@code valueLength} is out of range
     */
    public static int encodedLength(long type, int valueLength) {
        if (valueLength < 0) {
            throw new IllegalArgumentException("negative value length: " + valueLength);
        }
        long size = (long) VarInt.encodedLength(type) + VarInt.encodedLength(valueLength) + valueLength;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("capsule too large: " + size + " bytes");
        }
        return (int) size;
    }
}

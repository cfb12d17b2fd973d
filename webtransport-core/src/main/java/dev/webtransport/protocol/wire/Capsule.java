package dev.webtransport.protocol.wire;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One capsule (RFC 9297 §3.2): a type and an opaque value. Capsules of unknown or GREASE types
 * are represented the same way; the caller decides to ignore them.
 *
 * <p>The value array is copied on construction and on access, so instances are immutable;
 * {@link #equals}, {@link #hashCode} and {@link #toString} use the value's content.
 *
 * @param type  the capsule type, 0 to {@link VarInt#MAX_VALUE} (see {@link CapsuleTypes})
 * @param value the capsule value; {@code null} is treated as empty
 */
public record Capsule(long type, byte[] value) {

    private static final int TO_STRING_MAX_VALUE_BYTES = 32;

    /** @throws IllegalArgumentException if {@code type} is not a valid variable-length integer */
    public Capsule {
        if (type < 0 || type > VarInt.MAX_VALUE) {
            throw new IllegalArgumentException("capsule type out of range [0, 2^62-1]: " + type);
        }
        value = value == null ? new byte[0] : value.clone();
    }

    /** A copy of the capsule value. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /** The number of bytes of the value, without copying it. */
    public int valueLength() {
        return value.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Capsule that && type == that.type && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(type) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        int shown = Math.min(value.length, TO_STRING_MAX_VALUE_BYTES);
        String hex = HexFormat.of().formatHex(value, 0, shown);
        return "Capsule[type=" + CapsuleTypes.name(type) + ", length=" + value.length + ", value="
                + hex + (shown < value.length ? "…" : "") + "]";
    }

    /** Writes the value to {@code out} without an intermediate copy. */
    void writeValueTo(ByteBuf out) {
        out.writeBytes(value);
    }
}

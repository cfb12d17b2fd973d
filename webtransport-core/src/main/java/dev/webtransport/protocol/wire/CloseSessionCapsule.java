package dev.webtransport.protocol.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * CLOSE_WEBTRANSPORT_SESSION value: 32-bit code + UTF-8 reason of at most 1024 bytes.
 *
 * <p>The canonical constructor normalises the reason: {@code null} becomes {@code ""}, unpaired
 * surrogates become U+FFFD (they cannot be encoded as UTF-8), and a reason longer than
 * {@value #MAX_REASON_BYTES} UTF-8 bytes is truncated on a character boundary, so every instance
 * encodes to a valid value.
 *
 * @param code   the application close code, 0 to 0xffffffff
 * @param reason the close reason
 */
public record CloseSessionCapsule(long code, String reason) {

    /** The largest permitted UTF-8 length of the reason, in bytes. */
    public static final int MAX_REASON_BYTES = 1024;

    private static final int CODE_BYTES = 4;
    private static final char REPLACEMENT_CHARACTER = '\uFFFD';

    /**
     * @throws IllegalArgumentException if {@code code} is outside 0..0xffffffff
     */
    public CloseSessionCapsule {
        if (code < 0 || code > ErrorCodes.MAX_APPLICATION_CODE) {
            throw new IllegalArgumentException("close code out of range [0, 0xffffffff]: " + code);
        }
        reason = truncateReason(reason);
    }

    /**
     * Decodes a CLOSE_WEBTRANSPORT_SESSION capsule value.
     *
     * @throws WireFormatException with {@link ErrorCodes#H3_MESSAGE_ERROR} if the value is shorter
     *     than 4 bytes, its reason exceeds {@value #MAX_REASON_BYTES} bytes or is not valid UTF-8
     */
    public static CloseSessionCapsule decode(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length < CODE_BYTES) {
            throw new WireFormatException(ErrorCodes.H3_MESSAGE_ERROR,
                    "close capsule value has " + value.length + " bytes, needs at least " + CODE_BYTES);
        }
        int reasonBytes = value.length - CODE_BYTES;
        if (reasonBytes > MAX_REASON_BYTES) {
            throw new WireFormatException(ErrorCodes.H3_MESSAGE_ERROR,
                    "close reason has " + reasonBytes + " bytes, more than " + MAX_REASON_BYTES);
        }
        long code = ByteBuffer.wrap(value, 0, CODE_BYTES).getInt() & 0xFFFF_FFFFL;
        String reason;
        try {
            reason = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value, CODE_BYTES, reasonBytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new WireFormatException(ErrorCodes.H3_MESSAGE_ERROR, "close reason is not valid UTF-8");
        }
        return new CloseSessionCapsule(code, reason);
    }

    /**
     * Decodes a whole capsule.
     *
     * @throws IllegalArgumentException if the capsule is not of type {@link CapsuleTypes#CLOSE_WEBTRANSPORT_SESSION}
     * @throws WireFormatException as {@link #decode(byte[])}
     */
    public static CloseSessionCapsule fromCapsule(Capsule capsule) {
        Objects.requireNonNull(capsule, "capsule");
        if (capsule.type() != CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION) {
            throw new IllegalArgumentException("not a close capsule: " + capsule);
        }
        return decode(capsule.value());
    }

    /** The capsule value: the code as 4 bytes big-endian followed by the UTF-8 reason. */
    public byte[] encodeValue() {
        byte[] reasonBytes = reason.getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[CODE_BYTES + reasonBytes.length];
        ByteBuffer.wrap(value).putInt((int) code).put(reasonBytes);
        return value;
    }

    /** This close message as a {@link CapsuleTypes#CLOSE_WEBTRANSPORT_SESSION} capsule. */
    public Capsule toCapsule() {
        return new Capsule(CapsuleTypes.CLOSE_WEBTRANSPORT_SESSION, encodeValue());
    }

    /**
     * Returns {@code reason} cut to at most {@value #MAX_REASON_BYTES} UTF-8 bytes without splitting
     * a character (a surrogate pair counts as one 4-byte character). {@code null} gives {@code ""};
     * unpaired surrogates are replaced by U+FFFD (3 bytes). Returns {@code reason} itself when
     * nothing changes.
     */
    public static String truncateReason(String reason) {
        if (reason == null) {
            return "";
        }
        int utf8Bytes = 0;
        int end = 0;
        boolean hasUnpairedSurrogate = false;
        while (end < reason.length()) {
            char c = reason.charAt(end);
            int charBytes;
            int chars = 1;
            if (c < 0x80) {
                charBytes = 1;
            } else if (c < 0x800) {
                charBytes = 2;
            } else if (Character.isHighSurrogate(c) && end + 1 < reason.length()
                    && Character.isLowSurrogate(reason.charAt(end + 1))) {
                charBytes = 4;
                chars = 2;
            } else {
                hasUnpairedSurrogate |= Character.isSurrogate(c);
                charBytes = 3;
            }
            if (utf8Bytes + charBytes > MAX_REASON_BYTES) {
                break;
            }
            utf8Bytes += charBytes;
            end += chars;
        }
        if (!hasUnpairedSurrogate) {
            return end == reason.length() ? reason : reason.substring(0, end);
        }
        StringBuilder cleaned = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = reason.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(reason.charAt(i + 1))) {
                cleaned.append(c).append(reason.charAt(++i));
            } else {
                cleaned.append(Character.isSurrogate(c) ? REPLACEMENT_CHARACTER : c);
            }
        }
        return cleaned.toString();
    }
}

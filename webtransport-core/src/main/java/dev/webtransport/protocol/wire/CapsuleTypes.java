package dev.webtransport.protocol.wire;

import java.util.Map;

/** Capsule types (RFC 9297 §3.2) used on a WebTransport CONNECT stream. */
public final class CapsuleTypes {

    /** CLOSE_WEBTRANSPORT_SESSION / WT_CLOSE_SESSION: 32-bit code and UTF-8 reason; see {@link CloseSessionCapsule}. */
    public static final long CLOSE_WEBTRANSPORT_SESSION = 0x2843;
    /** DRAIN_WEBTRANSPORT_SESSION / WT_DRAIN_SESSION: empty value, asks the peer to wrap up. */
    public static final long DRAIN_WEBTRANSPORT_SESSION = 0x78ae;
    /** WT_MAX_DATA: cumulative session data credit (varint). */
    public static final long WT_MAX_DATA = 0x190B4D3DL;
    /** WT_MAX_STREAMS for bidirectional streams (varint). */
    public static final long WT_MAX_STREAMS_BIDI = 0x190B4D3FL;
    /** WT_MAX_STREAMS for unidirectional streams (varint). */
    public static final long WT_MAX_STREAMS_UNI = 0x190B4D40L;
    /** WT_DATA_BLOCKED: the sender is blocked by session data credit (varint). */
    public static final long WT_DATA_BLOCKED = 0x190B4D41L;
    /** WT_STREAMS_BLOCKED for bidirectional streams (varint). */
    public static final long WT_STREAMS_BLOCKED_BIDI = 0x190B4D43L;
    /** WT_STREAMS_BLOCKED for unidirectional streams (varint). */
    public static final long WT_STREAMS_BLOCKED_UNI = 0x190B4D44L;
    /** REGISTER_DATAGRAM_NO_CONTEXT of draft-ietf-masque-h3-datagram-04, sent by Chromium; to be ignored. */
    public static final long REGISTER_DATAGRAM_NO_CONTEXT = 0xff37a2L;

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(CLOSE_WEBTRANSPORT_SESSION, "CLOSE_WEBTRANSPORT_SESSION"),
            Map.entry(DRAIN_WEBTRANSPORT_SESSION, "DRAIN_WEBTRANSPORT_SESSION"),
            Map.entry(WT_MAX_DATA, "WT_MAX_DATA"),
            Map.entry(WT_MAX_STREAMS_BIDI, "WT_MAX_STREAMS_BIDI"),
            Map.entry(WT_MAX_STREAMS_UNI, "WT_MAX_STREAMS_UNI"),
            Map.entry(WT_DATA_BLOCKED, "WT_DATA_BLOCKED"),
            Map.entry(WT_STREAMS_BLOCKED_BIDI, "WT_STREAMS_BLOCKED_BIDI"),
            Map.entry(WT_STREAMS_BLOCKED_UNI, "WT_STREAMS_BLOCKED_UNI"),
            Map.entry(REGISTER_DATAGRAM_NO_CONTEXT, "REGISTER_DATAGRAM_NO_CONTEXT"));

    private CapsuleTypes() {
    }

    /** Whether {@code type} is a reserved (GREASE) capsule type, {@code 0x29 * N + 0x17}; such capsules must be ignored. */
    public static boolean isGrease(long type) {
        return type >= 0x17 && (type - 0x17) % 0x29 == 0;
    }

    /** A readable name for logs: the constant name, {@code "GREASE(0x..)"}, or {@code "0x"} and the type in hexadecimal. */
    public static String name(long type) {
        String known = NAMES.get(type);
        if (known != null) {
            return known;
        }
        return isGrease(type) ? "GREASE(0x" + Long.toHexString(type) + ")" : "0x" + Long.toHexString(type);
    }
}

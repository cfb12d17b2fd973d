package dev.webtransport.protocol.wire;

import java.util.Map;

/** Identifiers of HTTP/3 SETTINGS parameters that matter for WebTransport. */
public final class SettingsIds {

    /** SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204). */
    public static final long QPACK_MAX_TABLE_CAPACITY = 0x1;
    /** SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114). */
    public static final long MAX_FIELD_SECTION_SIZE = 0x6;
    /** SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204). */
    public static final long QPACK_BLOCKED_STREAMS = 0x7;
    /** SETTINGS_ENABLE_CONNECT_PROTOCOL, extended CONNECT (RFC 9220). */
    public static final long ENABLE_CONNECT_PROTOCOL = 0x8;
    /** SETTINGS_H3_DATAGRAM (RFC 9297). */
    public static final long H3_DATAGRAM = 0x33;
    /** H3_DATAGRAM of draft-ietf-masque-h3-datagram-04/05, still sent by Chromium. */
    public static final long H3_DATAGRAM_DRAFT04 = 0xffd277L;
    /** SETTINGS_ENABLE_WEBTRANSPORT of draft-02 (value 0 or 1). */
    public static final long ENABLE_WEBTRANSPORT_DRAFT02 = 0x2b603742L;
    /** SETTINGS_WEBTRANSPORT_MAX_SESSIONS of draft-07 to draft-12. */
    public static final long WEBTRANSPORT_MAX_SESSIONS_DRAFT07 = 0xc671706aL;
    /** SETTINGS_WT_MAX_SESSIONS of draft-13/14. */
    public static final long WT_MAX_SESSIONS = 0x14e9cd29L;
    /** SETTINGS_WT_ENABLED of draft-15+. */
    public static final long WT_ENABLED = 0x2c7cf000L;
    /** SETTINGS_WT_INITIAL_MAX_DATA: initial session data limit (draft-12+). */
    public static final long WT_INITIAL_MAX_DATA = 0x2b61;
    /** SETTINGS_WT_INITIAL_MAX_STREAMS_UNI: initial per-session unidirectional stream limit (draft-12+). */
    public static final long WT_INITIAL_MAX_STREAMS_UNI = 0x2b64;
    /** SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI: initial per-session bidirectional stream limit (draft-12+). */
    public static final long WT_INITIAL_MAX_STREAMS_BIDI = 0x2b65;

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(QPACK_MAX_TABLE_CAPACITY, "QPACK_MAX_TABLE_CAPACITY"),
            Map.entry(MAX_FIELD_SECTION_SIZE, "MAX_FIELD_SECTION_SIZE"),
            Map.entry(QPACK_BLOCKED_STREAMS, "QPACK_BLOCKED_STREAMS"),
            Map.entry(ENABLE_CONNECT_PROTOCOL, "ENABLE_CONNECT_PROTOCOL"),
            Map.entry(H3_DATAGRAM, "H3_DATAGRAM"),
            Map.entry(H3_DATAGRAM_DRAFT04, "H3_DATAGRAM_DRAFT04"),
            Map.entry(ENABLE_WEBTRANSPORT_DRAFT02, "ENABLE_WEBTRANSPORT_DRAFT02"),
            Map.entry(WEBTRANSPORT_MAX_SESSIONS_DRAFT07, "WEBTRANSPORT_MAX_SESSIONS_DRAFT07"),
            Map.entry(WT_MAX_SESSIONS, "WT_MAX_SESSIONS"),
            Map.entry(WT_ENABLED, "WT_ENABLED"),
            Map.entry(WT_INITIAL_MAX_DATA, "WT_INITIAL_MAX_DATA"),
            Map.entry(WT_INITIAL_MAX_STREAMS_UNI, "WT_INITIAL_MAX_STREAMS_UNI"),
            Map.entry(WT_INITIAL_MAX_STREAMS_BIDI, "WT_INITIAL_MAX_STREAMS_BIDI"));

    private SettingsIds() {
    }

    /** Whether {@code id} is a reserved (GREASE) setting identifier, {@code 0x1f * N + 0x21}; such settings must be ignored. */
    public static boolean isGrease(long id) {
        return id >= 0x21 && (id - 0x21) % 0x1f == 0;
    }

    /** A readable name for logs: the constant name, {@code "GREASE(0x..)"}, or {@code "0x"} and the id in hexadecimal. */
    public static String name(long id) {
        String known = NAMES.get(id);
        if (known != null) {
            return known;
        }
        return isGrease(id) ? "GREASE(0x" + Long.toHexString(id) + ")" : "0x" + Long.toHexString(id);
    }
}

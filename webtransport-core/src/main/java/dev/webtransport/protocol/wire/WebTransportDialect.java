package dev.webtransport.protocol.wire;

import java.util.Map;
import java.util.Objects;

/** The WebTransport wire dialect a peer speaks, chosen from its SETTINGS (highest wins). */
public enum WebTransportDialect {

    /** draft-02 … -05: {@code SETTINGS_ENABLE_WEBTRANSPORT = 1}; Chromium's default. */
    DRAFT_02,
    /** draft-07 … -12: {@code SETTINGS_WEBTRANSPORT_MAX_SESSIONS > 0}. */
    DRAFT_07,
    /** draft-13/14: {@code SETTINGS_WT_MAX_SESSIONS > 0}; also the fallback when no WebTransport setting is present. */
    DRAFT_13,
    /** draft-15+: {@code SETTINGS_WT_ENABLED}, {@code :protocol} is {@code webtransport-h3}. */
    DRAFT_15;

    /**
     * Chooses the dialect from the SETTINGS a peer sent, the newest one it signals winning:
     * {@link SettingsIds#WT_ENABLED} &gt; 0 gives {@link #DRAFT_15}, {@link SettingsIds#WT_MAX_SESSIONS}
     * &gt; 0 {@link #DRAFT_13}, {@link SettingsIds#WEBTRANSPORT_MAX_SESSIONS_DRAFT07} &gt; 0
     * {@link #DRAFT_07}, {@link SettingsIds#ENABLE_WEBTRANSPORT_DRAFT02} == 1 {@link #DRAFT_02}.
     * Without any of them (pywebtransport 0.10 sends none) the result is {@link #DRAFT_13}.
     *
     * @param peerSettings setting id to value; absent ids and {@code null} values count as not sent
     */
    public static WebTransportDialect fromPeerSettings(Map<Long, Long> peerSettings) {
        Objects.requireNonNull(peerSettings, "peerSettings");
        if (valueOf(peerSettings, SettingsIds.WT_ENABLED) > 0) {
            return DRAFT_15;
        }
        if (valueOf(peerSettings, SettingsIds.WT_MAX_SESSIONS) > 0) {
            return DRAFT_13;
        }
        if (valueOf(peerSettings, SettingsIds.WEBTRANSPORT_MAX_SESSIONS_DRAFT07) > 0) {
            return DRAFT_07;
        }
        if (valueOf(peerSettings, SettingsIds.ENABLE_WEBTRANSPORT_DRAFT02) == 1) {
            return DRAFT_02;
        }
        return DRAFT_13;
    }

    /** Whether application error codes are 32 bits wide; draft-02 used 8-bit codes. */
    public boolean usesThirtyTwoBitCodes() {
        return this != DRAFT_02;
    }

    /** The {@code :protocol} pseudo-header value of the extended CONNECT request. */
    public String protocolToken() {
        return this == DRAFT_15 ? "webtransport-h3" : "webtransport";
    }

    private static long valueOf(Map<Long, Long> settings, long id) {
        Long value = settings.get(id);
        return value == null ? 0 : value;
    }
}

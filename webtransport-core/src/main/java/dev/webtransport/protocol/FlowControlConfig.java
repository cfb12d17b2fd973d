package dev.webtransport.protocol;

/**
 * Session-level flow control (WT_MAX_DATA / WT_MAX_STREAMS, draft-13 to -16) of one endpoint.
 *
 * <p>It applies on a connection only when both peers declare it in SETTINGS (a {@code WT_MAX_SESSIONS} above 1 or a
 * non-zero {@code WT_INITIAL_*} value); Chromium and Flupke never do, so with them only QUIC flow control applies.
 * When it applies, our sending respects the peer's limits and the peer must respect ours.
 *
 * @param enabled               whether this endpoint declares and takes part in session flow control
 * @param initialMaxData        stream body bytes the peer may send on one session before our first WT_MAX_DATA
 *                              (advertised as SETTINGS_WT_INITIAL_MAX_DATA); also the starting receive window
 * @param maxDataWindow         largest receive window the auto-scaling may grow to (at least {@code initialMaxData})
 * @param initialMaxStreamsBidi bidirectional streams the peer may open on one session at once
 *                              (SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI); credit is returned as streams close
 * @param initialMaxStreamsUni  unidirectional streams the peer may open on one session at once
 *                              (SETTINGS_WT_INITIAL_MAX_STREAMS_UNI)
 */
public record FlowControlConfig(boolean enabled, long initialMaxData, long maxDataWindow, long initialMaxStreamsBidi,
                                long initialMaxStreamsUni) {
    /** The largest data limit a SETTINGS value or capsule can carry (2^62 - 1): no limit in practice. */
    public static final long UNLIMITED_DATA = (1L << 62) - 1;
    /** The largest stream limit (2^60): no limit in practice. */
    public static final long UNLIMITED_STREAMS = 1L << 60;

    public FlowControlConfig {
        if (initialMaxData < 1 || initialMaxData > UNLIMITED_DATA || maxDataWindow < initialMaxData
                || maxDataWindow > UNLIMITED_DATA || initialMaxStreamsBidi < 1
                || initialMaxStreamsBidi > UNLIMITED_STREAMS || initialMaxStreamsUni < 1
                || initialMaxStreamsUni > UNLIMITED_STREAMS) {
            throw new IllegalArgumentException("invalid session flow-control limits: " + initialMaxData + " bytes (window "
                    + maxDataWindow + "), " + initialMaxStreamsBidi + " bidi, " + initialMaxStreamsUni + " uni");
        }
    }

    /**
     * Enabled with no limit in practice: peers that declare flow control get it, and our sending respects their
     * limits, but we grant them everything (so peers that enforce limits without declaring, such as pywebtransport,
     * never wait for credit).
     */
    public static FlowControlConfig unlimited() {
        return new FlowControlConfig(true, UNLIMITED_DATA, UNLIMITED_DATA, UNLIMITED_STREAMS, UNLIMITED_STREAMS);
    }

    /**
     * Not declared: no {@code WT_INITIAL_*} settings are sent (any non-zero one would declare flow control),
     * flow-control capsules are ignored and each connection carries one draft-13+ session. A peer that enforces the
     * limits without declaring them (pywebtransport 0.6) then cannot send stream data: prefer {@link #unlimited()}.
     */
    public static FlowControlConfig disabled() {
        return new FlowControlConfig(false, UNLIMITED_DATA, UNLIMITED_DATA, UNLIMITED_STREAMS, UNLIMITED_STREAMS);
    }

    /**
     * Enabled with finite limits: {@code initialMaxData} bytes per session to start, auto-scaling up to
     * {@code maxDataWindow}, and the given numbers of concurrent peer streams.
     */
    public static FlowControlConfig limited(long initialMaxData, long maxDataWindow, long maxStreamsBidi,
                                            long maxStreamsUni) {
        return new FlowControlConfig(true, initialMaxData, maxDataWindow, maxStreamsBidi, maxStreamsUni);
    }
}

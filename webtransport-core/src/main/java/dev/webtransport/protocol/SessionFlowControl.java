package dev.webtransport.protocol;

import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.protocol.wire.FlowControlCapsules;
import dev.webtransport.protocol.wire.SettingsIds;

import java.util.Map;

/**
 * Session-level flow-control state of one session (draft-13 to -16): the credit the peer granted us (data and
 * streams), the credit we granted the peer, and the receive-window auto-scaling. Pure bookkeeping, confined to the
 * connection's event loop; the handler turns its answers into capsules.
 *
 * <p>Methods returning a {@code long} limit return {@code -1} when nothing needs to be sent. Violations by the peer
 * throw a {@link FlowControlException} carrying {@link ErrorCodes#WT_FLOW_CONTROL_ERROR}.
 */
final class SessionFlowControl {
    /** Sentinel of the methods that may ask for a capsule: nothing to send. */
    static final long NOTHING = -1;

    private final boolean enabled;
    // ---- data: what the peer granted us
    private long peerMaxData;
    private long dataSent;
    private long dataBlockedReported = NOTHING;
    // ---- data: what we granted the peer
    private long localMaxData;
    private long dataReceived;
    private long dataConsumed;
    private long window;
    private final long maxWindow;
    private long lastDataUpdateNanos;
    // ---- streams, one set of counters per direction
    private final StreamCredit bidiStreams;
    private final StreamCredit uniStreams;

    /** Stream credit of one kind (bidirectional or unidirectional), both ways. */
    private static final class StreamCredit {
        final String kind;
        /** Streams of this kind the peer allows us; how many we opened; the limit last reported as blocking. */
        long peerMax;
        long opened;
        long blockedReported = NOTHING;
        /** Streams of this kind we allow the peer (cumulative); the concurrent window; how many it opened and closed. */
        long localMax;
        final long window;
        long peerOpened;
        long peerClosed;

        StreamCredit(String kind, long peerMax, long localWindow) {
            this.kind = kind;
            this.peerMax = peerMax;
            this.localMax = localWindow;
            this.window = localWindow;
        }

        long peerOpen() {
            return peerOpened - peerClosed;
        }
    }

    private SessionFlowControl(boolean enabled, FlowControlConfig local, Map<Long, Long> peerSettings, long nowNanos) {
        this.enabled = enabled;
        this.peerMaxData = peerSettings.getOrDefault(SettingsIds.WT_INITIAL_MAX_DATA, 0L);
        this.localMaxData = local.initialMaxData();
        this.window = local.initialMaxData();
        this.maxWindow = local.maxDataWindow();
        this.lastDataUpdateNanos = nowNanos;
        this.bidiStreams = new StreamCredit("bidirectional",
                peerSettings.getOrDefault(SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI, 0L), local.initialMaxStreamsBidi());
        this.uniStreams = new StreamCredit("unidirectional",
                peerSettings.getOrDefault(SettingsIds.WT_INITIAL_MAX_STREAMS_UNI, 0L), local.initialMaxStreamsUni());
    }

    private StreamCredit streams(boolean bidi) {
        return bidi ? bidiStreams : uniStreams;
    }

    /**
     * Flow control as negotiated on the connection: {@code enabled} is true only when both peers declared it.
     *
     * @param local        our configuration (our initial limits were advertised from it)
     * @param peerSettings the peer's SETTINGS (its WT_INITIAL_* values are our initial credit)
     */
    static SessionFlowControl negotiated(boolean enabled, FlowControlConfig local, Map<Long, Long> peerSettings,
                                         long nowNanos) {
        return new SessionFlowControl(enabled, local, peerSettings, nowNanos);
    }

    /**
     * Whether SETTINGS declare session flow control, by the union of the drafts' rules: draft-13 by
     * {@code WT_MAX_SESSIONS > 1}, draft-14 by that or any non-zero {@code WT_INITIAL_*}, draft-15+ by a non-zero
     * {@code WT_INITIAL_*}.
     */
    static boolean declares(Map<Long, Long> settings) {
        return settings.getOrDefault(SettingsIds.WT_MAX_SESSIONS, 0L) > 1
                || settings.getOrDefault(SettingsIds.WT_INITIAL_MAX_DATA, 0L) > 0
                || settings.getOrDefault(SettingsIds.WT_INITIAL_MAX_STREAMS_BIDI, 0L) > 0
                || settings.getOrDefault(SettingsIds.WT_INITIAL_MAX_STREAMS_UNI, 0L) > 0;
    }

    boolean enabled() {
        return enabled;
    }

    // ================================================================ sending (the peer's limits)

    /** Stream body bytes we may still send on this session. */
    long sendCredit() {
        return enabled ? Math.max(0, peerMaxData - dataSent) : Long.MAX_VALUE;
    }

    void onDataSent(long n) {
        dataSent += n;
    }

    /** Whether we may open another stream of this kind. */
    boolean canOpen(boolean bidi) {
        StreamCredit c = streams(bidi);
        return !enabled || c.opened < c.peerMax;
    }

    void onLocalStreamOpened(boolean bidi) {
        streams(bidi).opened++;
    }

    /** The limit to report in WT_DATA_BLOCKED when we are blocked and have not reported this limit yet. */
    long dataBlockedToReport() {
        if (!enabled || sendCredit() > 0 || dataBlockedReported == peerMaxData) {
            return NOTHING;
        }
        dataBlockedReported = peerMaxData;
        return peerMaxData;
    }

    /** The limit to report in WT_STREAMS_BLOCKED when we cannot open and have not reported this limit yet. */
    long streamsBlockedToReport(boolean bidi) {
        if (!enabled || canOpen(bidi)) {
            return NOTHING;
        }
        StreamCredit c = streams(bidi);
        if (c.blockedReported == c.peerMax) {
            return NOTHING;
        }
        c.blockedReported = c.peerMax;
        return c.peerMax;
    }

    /**
     * A WT_MAX_DATA from the peer. Returns whether it raised our limit.
     *
     * @throws FlowControlException when it lowers the limit
     */
    boolean onMaxData(long limit) {
        if (limit < peerMaxData) {
            throw violation("WT_MAX_DATA lowered the session data limit from " + peerMaxData + " to " + limit);
        }
        boolean raised = limit > peerMaxData;
        peerMaxData = limit;
        return raised;
    }

    /**
     * A WT_MAX_STREAMS from the peer. Returns whether it raised our limit.
     *
     * @throws FlowControlException when it lowers the limit or exceeds 2^60
     */
    boolean onMaxStreams(boolean bidi, long limit) {
        if (limit > FlowControlCapsules.MAX_STREAM_COUNT) {
            throw violation("WT_MAX_STREAMS of " + limit + " exceeds 2^60");
        }
        StreamCredit c = streams(bidi);
        long current = c.peerMax;
        if (limit < current) {
            throw violation("WT_MAX_STREAMS lowered the " + c.kind + " stream limit from " + current + " to " + limit);
        }
        c.peerMax = limit;
        return limit > current;
    }

    // ================================================================ receiving (our limits)

    /**
     * Counts stream body bytes from the peer.
     *
     * @throws FlowControlException when they exceed the limit we granted
     */
    void onDataReceived(long n) {
        dataReceived += n;
        if (enabled && dataReceived > localMaxData) {
            throw violation("peer sent " + dataReceived + " bytes on a session limited to " + localMaxData);
        }
    }

    /**
     * Counts bytes the application consumed (or that were discarded), returning the new limit to advertise in
     * WT_MAX_DATA once less than half the window is left. The window doubles (up to the configured maximum) when the
     * previous update is less than two round trips old: then the window, not the reader, limits the peer.
     */
    long onDataConsumed(long n, long nowNanos, java.util.function.LongSupplier roundTripNanos) {
        dataConsumed += n;
        if (!enabled || localMaxData - dataConsumed > window / 2) {
            return NOTHING;
        }
        long rttNanos = window < maxWindow ? roundTripNanos.getAsLong() : 0;
        return raiseLimit(rttNanos > 0 && nowNanos - lastDataUpdateNanos < 2 * rttNanos, nowNanos);
    }

    /**
     * Optionally doubles the window (up to its maximum), then raises our data limit to what was consumed plus the
     * window. Returns the new limit, or {@link #NOTHING} when it would not grow.
     */
    private long raiseLimit(boolean growWindow, long nowNanos) {
        if (growWindow && window < maxWindow) {
            window = Math.min(maxWindow, window > maxWindow / 2 ? maxWindow : window * 2);
        }
        long limit = dataConsumed > FlowControlConfig.UNLIMITED_DATA - window ? FlowControlConfig.UNLIMITED_DATA
                : dataConsumed + window;
        if (limit <= localMaxData) {
            return NOTHING;
        }
        localMaxData = limit;
        lastDataUpdateNanos = nowNanos;
        return limit;
    }

    /**
     * The peer reported WT_DATA_BLOCKED at {@code limit}. When we had already raised the limit past it, the update
     * was simply still on its way: the window is too small for the round trip, so it doubles (up to the configured
     * maximum) and the larger limit is returned for a WT_MAX_DATA now. A peer blocked at our current limit waits for
     * the reader instead, and gets nothing.
     */
    long onPeerDataBlocked(long limit, long nowNanos) {
        if (!enabled || limit >= localMaxData || window >= maxWindow) {
            return NOTHING;
        }
        return raiseLimit(true, nowNanos);
    }

    /**
     * The peer reported WT_STREAMS_BLOCKED at {@code limit}. If that is our current limit while fewer than half the
     * stream window are open by our count, the peer counts streams we never saw (reset before they reached us):
     * the window is restored from our count, and the new limit is returned for a WT_MAX_STREAMS. A peer that keeps
     * reporting it cannot ratchet the limit up: it never goes past our closed count plus twice the window.
     */
    long onPeerStreamsBlocked(boolean bidi, long limit) {
        StreamCredit c = streams(bidi);
        long current = c.localMax;
        long open = c.peerOpen();
        if (!enabled || limit < current || current >= FlowControlCapsules.MAX_STREAM_COUNT || open > c.window / 2) {
            return NOTHING;
        }
        // never more than twice the window open at once by our count, however often the peer reports being blocked
        return raiseStreamLimit(c, Math.min(current + c.window - open, c.peerClosed + 2 * c.window));
    }

    /**
     * Counts a stream the peer opened.
     *
     * @throws FlowControlException when it exceeds the stream limit we granted
     */
    void onPeerStreamOpened(boolean bidi) {
        StreamCredit c = streams(bidi);
        c.peerOpened++;
        if (enabled && c.peerOpened > c.localMax) {
            throw violation("peer opened " + c.kind + " stream number " + c.peerOpened + " on a session limited to "
                    + c.localMax);
        }
    }

    /**
     * Counts a closed peer stream, returning the new stream limit to advertise in WT_MAX_STREAMS once half the
     * stream window has closed (the peer may then again have {@code initialMaxStreams*} streams open).
     */
    long onPeerStreamClosed(boolean bidi) {
        StreamCredit c = streams(bidi);
        c.peerClosed++;
        if (!enabled || c.localMax - c.peerClosed > c.window / 2 || c.localMax >= FlowControlCapsules.MAX_STREAM_COUNT) {
            return NOTHING;
        }
        return raiseStreamLimit(c, c.peerClosed + c.window);
    }

    /** Raises the stream limit we grant to {@code target} (at most 2^60); {@link #NOTHING} when it would not grow. */
    private static long raiseStreamLimit(StreamCredit c, long target) {
        long next = Math.min(FlowControlCapsules.MAX_STREAM_COUNT, target);
        if (next <= c.localMax) {
            return NOTHING;
        }
        c.localMax = next;
        return next;
    }

    // ================================================================ views

    long peerMaxData() { return peerMaxData; }
    long dataSent() { return dataSent; }
    long peerMaxStreams(boolean bidi) { return streams(bidi).peerMax; }
    long localMaxData() { return localMaxData; }
    long dataReceived() { return dataReceived; }
    long dataConsumed() { return dataConsumed; }
    long window() { return window; }
    long localMaxStreams(boolean bidi) { return streams(bidi).localMax; }

    private static FlowControlException violation(String message) {
        return new FlowControlException(message, ErrorCodes.WT_FLOW_CONTROL_ERROR);
    }
}

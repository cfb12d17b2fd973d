package dev.webtransport.session;

/**
 * How a session ended.
 *
 * @param code     the 32-bit application close code (0 for a clean FIN without capsule)
 * @param reason   the UTF-8 reason (at most 1024 bytes), empty when none
 * @param byPeer   whether the peer ended the session
 * @param error    the cause when the session ended abnormally (reset CONNECT stream, lost connection), else null
 */
public record SessionCloseInfo(long code, String reason, boolean byPeer, Throwable error) {
    public SessionCloseInfo {
        reason = reason == null ? "" : reason;
    }

    /** Whether the session ended with a close capsule or clean FIN rather than an error. */
    public boolean isClean() {
        return error == null;
    }
}

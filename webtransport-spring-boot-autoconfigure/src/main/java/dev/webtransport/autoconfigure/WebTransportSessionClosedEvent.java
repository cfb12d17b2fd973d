package dev.webtransport.autoconfigure;

import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportSession;

/** Published when a session ended, with how it ended. */
public class WebTransportSessionClosedEvent extends WebTransportSessionEvent {
    private final SessionCloseInfo closeInfo;

    public WebTransportSessionClosedEvent(WebTransportSession session, SessionCloseInfo closeInfo) {
        super(session);
        this.closeInfo = closeInfo;
    }

    public SessionCloseInfo getCloseInfo() {
        return closeInfo;
    }
}

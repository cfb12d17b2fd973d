package dev.webtransport.autoconfigure;

import dev.webtransport.session.WebTransportSession;

/** Published when a session is ready (after the endpoint's open handler was called). */
public class WebTransportSessionOpenedEvent extends WebTransportSessionEvent {
    public WebTransportSessionOpenedEvent(WebTransportSession session) {
        super(session);
    }
}

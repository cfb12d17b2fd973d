package dev.webtransport.autoconfigure;

import dev.webtransport.session.WebTransportSession;
import org.springframework.context.ApplicationEvent;

/** Base of the application events published for WebTransport sessions. */
public abstract class WebTransportSessionEvent extends ApplicationEvent {
    protected WebTransportSessionEvent(WebTransportSession session) {
        super(session);
    }

    public WebTransportSession getSession() {
        return (WebTransportSession) getSource();
    }
}

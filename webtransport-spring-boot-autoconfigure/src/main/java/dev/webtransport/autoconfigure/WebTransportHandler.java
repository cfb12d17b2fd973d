package dev.webtransport.autoconfigure;

import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.SessionRequest;
import dev.webtransport.session.WebTransportSessionHandler;

import java.util.Map;

/**
 * The programmatic alternative to annotated endpoint methods: a bean implementing this interface and annotated with
 * {@link dev.webtransport.autoconfigure.annotation.WebTransportEndpoint} handles every session on that path. One
 * instance serves all sessions; keep per-session state in {@code session.attributes()}.
 */
public interface WebTransportHandler extends WebTransportSessionHandler {
    /**
     * Decides on a session request before any session state exists (authentication, origin, capacity). Returns null
     * to accept, or a {@link SessionDecision.Reject}. Runs on the application task executor.
     */
    default SessionDecision onSessionRequest(SessionRequest request, Map<String, String> pathVariables) {
        return null;
    }
}

package dev.webtransport.session;

/**
 * Decides whether a session request is accepted (server side): path routing, origin checks, authentication.
 * Runs on the engine's executor, so it may block (for example on an authentication lookup).
 */
@FunctionalInterface
public interface WebTransportSessionAcceptor {
    SessionDecision decide(SessionRequest request) throws Exception;
}

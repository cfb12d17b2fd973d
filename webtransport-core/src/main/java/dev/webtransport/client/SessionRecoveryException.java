package dev.webtransport.client;

import dev.webtransport.protocol.WebTransportException;

import java.net.URI;

/** Session recovery gave up; the cause is the error of the last attempt. */
public class SessionRecoveryException extends WebTransportException {
    private final URI target;
    private final int attempts;

    public SessionRecoveryException(URI target, int attempts, Throwable lastError) {
        super("recovering the session to " + target + " failed after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + ": " + lastError, -1, lastError);
        this.target = target;
        this.attempts = attempts;
    }

    /** The session's target URL. */
    public URI target() {
        return target;
    }

    /** How many attempts were made. */
    public int attempts() {
        return attempts;
    }
}

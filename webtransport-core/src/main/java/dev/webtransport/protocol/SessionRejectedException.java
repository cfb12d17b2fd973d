package dev.webtransport.protocol;

/** The server answered a session request with a non-2xx status. */
public class SessionRejectedException extends SessionException {
    private final int status;

    public SessionRejectedException(int status, String path) {
        super("session request for " + path + " was rejected with HTTP status " + status, status);
        this.status = status;
    }

    /** The HTTP status the server answered with. */
    public int status() {
        return status;
    }
}

package dev.webtransport.protocol;

/** A session-level operation failed (unknown, closed or rejected session). */
public class SessionException extends WebTransportException {
    public SessionException(String message) {
        super(message);
    }

    public SessionException(String message, long errorCode) {
        super(message, errorCode);
    }

    public SessionException(String message, long errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }
}

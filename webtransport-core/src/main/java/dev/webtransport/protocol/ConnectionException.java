package dev.webtransport.protocol;

/** The QUIC connection failed, closed or could not be established. */
public class ConnectionException extends WebTransportException {
    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, long errorCode) {
        super(message, errorCode);
    }

    public ConnectionException(String message, long errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }
}

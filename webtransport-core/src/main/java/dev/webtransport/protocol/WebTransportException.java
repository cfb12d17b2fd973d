package dev.webtransport.protocol;

/** Base of every exception thrown by the WebTransport engine; carries a wire error code when one applies. */
public class WebTransportException extends RuntimeException {
    private final long errorCode;

    public WebTransportException(String message) {
        this(message, -1, null);
    }

    public WebTransportException(String message, long errorCode) {
        this(message, errorCode, null);
    }

    public WebTransportException(String message, long errorCode, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    /** The HTTP/3 or WebTransport error code, or -1 when none applies. */
    public long errorCode() {
        return errorCode;
    }
}

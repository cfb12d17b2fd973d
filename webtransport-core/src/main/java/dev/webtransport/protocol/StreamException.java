package dev.webtransport.protocol;

/** A stream-level operation failed (unknown, reset or closed stream, or a full write buffer). */
public class StreamException extends WebTransportException {
    public StreamException(String message) {
        super(message);
    }

    public StreamException(String message, long errorCode) {
        super(message, errorCode);
    }

    public StreamException(String message, long errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }
}

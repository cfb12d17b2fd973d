package dev.webtransport.protocol;

/** A peer violated the WebTransport or HTTP/3 rules. */
public class ProtocolException extends WebTransportException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, long errorCode) {
        super(message, errorCode);
    }

    public ProtocolException(String message, long errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }
}

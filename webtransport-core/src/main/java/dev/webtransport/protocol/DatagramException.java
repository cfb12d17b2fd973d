package dev.webtransport.protocol;

/** A datagram could not be sent (too large, datagrams unsupported, or session closed). */
public class DatagramException extends WebTransportException {
    public DatagramException(String message) {
        super(message);
    }

    public DatagramException(String message, long errorCode) {
        super(message, errorCode);
    }

    public DatagramException(String message, long errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }
}

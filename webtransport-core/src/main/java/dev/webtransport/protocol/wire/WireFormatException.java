package dev.webtransport.protocol.wire;

/**
 * Thrown for malformed wire input; carries the HTTP/3 (or WebTransport) error code the peer must
 * be sent (see {@link ErrorCodes}).
 */
public class WireFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long errorCode;

    /**
     * @param errorCode the error code to send to the peer, for example {@link ErrorCodes#H3_FRAME_ERROR}
     * @param message   a human-readable description of what was wrong
     */
    public WireFormatException(long errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    /** The HTTP/3 or WebTransport error code the peer must be sent. */
    public long errorCode() {
        return errorCode;
    }

    @Override
    public String toString() {
        return getClass().getName() + "[" + ErrorCodes.name(errorCode) + "]: " + getMessage();
    }
}

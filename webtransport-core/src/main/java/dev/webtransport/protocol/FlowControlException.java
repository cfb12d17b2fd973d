package dev.webtransport.protocol;

/** A flow-control limit was exceeded. */
public class FlowControlException extends WebTransportException {
    public FlowControlException(String message) {
        super(message);
    }

    public FlowControlException(String message, long errorCode) {
        super(message, errorCode);
    }

    public FlowControlException(String message, long errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }
}

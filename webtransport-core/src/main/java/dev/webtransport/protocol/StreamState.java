package dev.webtransport.protocol;

/** Lifecycle of one WebTransport data stream. */
public enum StreamState {
    IDLE, OPEN, HALF_CLOSED_LOCAL, HALF_CLOSED_REMOTE, RESET_SENT, RESET_RECEIVED, CLOSED;

    /** Whether the stream reached a final state. */
    public boolean isTerminal() {
        return this == CLOSED || this == RESET_SENT || this == RESET_RECEIVED;
    }
}

package dev.webtransport.protocol;

/** Which way data flows on a stream, seen from the local endpoint. */
public enum StreamDirection {
    BIDIRECTIONAL, SEND_ONLY, RECEIVE_ONLY;

    /** Whether the local endpoint may write on such a stream. */
    public boolean canSend() {
        return this != RECEIVE_ONLY;
    }

    /** Whether the local endpoint may read from such a stream. */
    public boolean canReceive() {
        return this != SEND_ONLY;
    }
}

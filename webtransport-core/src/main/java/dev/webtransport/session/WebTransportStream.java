package dev.webtransport.session;

import dev.webtransport.protocol.StreamDirection;
import dev.webtransport.protocol.StreamInfo;

/** A WebTransport data stream of a session. Methods are safe to call from any thread. */
public interface WebTransportStream {
    /** The QUIC stream id. */
    long streamId();

    /** The session this stream belongs to. */
    WebTransportSession session();

    /** Direction from the local endpoint's view. */
    StreamDirection direction();

    /** Live counters and state. */
    StreamInfo info();
}

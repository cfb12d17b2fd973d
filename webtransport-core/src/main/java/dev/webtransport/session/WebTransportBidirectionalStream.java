package dev.webtransport.session;

/** A bidirectional stream: readable and writable. */
public interface WebTransportBidirectionalStream extends WebTransportSendStream, WebTransportReceiveStream {
}

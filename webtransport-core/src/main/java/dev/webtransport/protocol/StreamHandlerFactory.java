package dev.webtransport.protocol;

import io.netty.channel.ChannelHandler;

/** Supplies the Netty pipeline adapters a handler installs on streams it opens itself. */
public interface StreamHandlerFactory {
    /** The raw handler of a WebTransport data stream. */
    ChannelHandler dataStreamHandler(WebTransportProtocolHandler handler);

    /** The HTTP/3 request handler of a CONNECT stream we open (client side). */
    ChannelHandler connectStreamHandler(WebTransportProtocolHandler handler);
}

package dev.webtransport.netty;

import dev.webtransport.protocol.StreamHandlerFactory;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import io.netty.channel.ChannelHandler;

/** The Netty adapters used for streams a protocol handler opens itself. */
public final class NettyStreamHandlers implements StreamHandlerFactory {
    /** The shared instance (stateless). */
    public static final NettyStreamHandlers INSTANCE = new NettyStreamHandlers();

    private NettyStreamHandlers() {
    }

    @Override
    public ChannelHandler dataStreamHandler(WebTransportProtocolHandler handler) {
        return new DataStreamHandler(handler);
    }

    @Override
    public ChannelHandler connectStreamHandler(WebTransportProtocolHandler handler) {
        return new ConnectStreamHandler(handler);
    }
}

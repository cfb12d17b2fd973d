package dev.webtransport.netty;

import dev.webtransport.protocol.ProtocolCounters;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.session.WebTransportSessionAcceptor;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AttributeKey;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Builds the pipeline of one QUIC connection: our {@link ConnectionHook}, Netty's HTTP/3 connection handler with our
 * permissive SETTINGS, and (client side) a marker after it. Each connection gets its own
 * {@link WebTransportProtocolHandler}, stored in the channel attribute {@link #PROTOCOL_HANDLER}.
 */
public final class WebTransportChannelInitializer extends ChannelInitializer<QuicChannel> {
    /** Where each QuicChannel keeps its protocol handler. */
    public static final AttributeKey<WebTransportProtocolHandler> PROTOCOL_HANDLER =
            AttributeKey.valueOf("webtransport.protocolHandler");

    private final boolean isClient;
    private final ProtocolHandlerConfig config;
    private final Executor executor;
    private final WebTransportSessionAcceptor acceptor;
    private final ProtocolCounters counters;
    private final Consumer<WebTransportProtocolHandler> onNewConnection;

    public WebTransportChannelInitializer(boolean isClient, ProtocolHandlerConfig config, Executor executor,
                                          WebTransportSessionAcceptor acceptor, ProtocolCounters counters,
                                          Consumer<WebTransportProtocolHandler> onNewConnection) {
        this.isClient = isClient;
        this.config = config;
        this.executor = executor;
        this.acceptor = acceptor;
        this.counters = counters;
        this.onNewConnection = onNewConnection;
    }

    /** Our local SETTINGS as a Netty frame that keeps every non-standard id. */
    public static DefaultHttp3SettingsFrame settingsFrame(ProtocolHandlerConfig config, boolean isClient) {
        Http3Settings settings = new Http3Settings((id, value) -> true);
        for (Map.Entry<Long, Long> e : WebTransportProtocolHandler.localSettings(config, isClient).entrySet()) {
            settings.put(e.getKey(), e.getValue());
        }
        return new DefaultHttp3SettingsFrame(settings);
    }

    @Override
    protected void initChannel(QuicChannel channel) {
        WebTransportProtocolHandler handler = new WebTransportProtocolHandler(channel, isClient, config, executor,
                acceptor, counters, NettyStreamHandlers.INSTANCE);
        channel.attr(PROTOCOL_HANDLER).set(handler);
        channel.pipeline().addLast("wt-hook", new ConnectionHook(handler, isClient));
        DefaultHttp3SettingsFrame settings = settingsFrame(config, isClient);
        if (isClient) {
            channel.pipeline().addLast("h3", new Http3ClientConnectionHandler(new PeerSettingsHandler(handler), null,
                    new UniStreamHandlerFactory(handler), settings, true, (id, value) -> true));
            channel.pipeline().addLast(ConnectionHook.AFTER_HTTP3, new ChannelInboundHandlerAdapter());
        } else {
            ChannelInitializer<QuicStreamChannel> requestStreams = new ChannelInitializer<>() {
                @Override
                protected void initChannel(QuicStreamChannel stream) {
                    stream.pipeline().addLast(new ConnectStreamHandler(handler));
                }
            };
            channel.pipeline().addLast("h3", new Http3ServerConnectionHandler(requestStreams,
                    new PeerSettingsHandler(handler), new UniStreamHandlerFactory(handler), settings, true,
                    (id, value) -> true));
        }
        if (onNewConnection != null) {
            onNewConnection.accept(handler);
        }
    }

    /** The protocol handler of a connection set up by this initializer, or null. */
    public static WebTransportProtocolHandler handlerOf(QuicChannel channel) {
        return channel.attr(PROTOCOL_HANDLER).get();
    }
}

package dev.webtransport.netty;

import dev.webtransport.protocol.QuicEvent;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hook on the {@code QuicChannel} pipeline in front of Netty's HTTP/3 connection handler. It routes peer bidi
 * streams through a {@link StreamPreambleDecoder} (so 0x41 streams never reach the HTTP/3 codec), consumes QUIC
 * datagrams, and reports connection events to the {@link WebTransportProtocolHandler}.
 */
public final class ConnectionHook extends ChannelInboundHandlerAdapter {
    /** Pipeline name of the marker placed after the HTTP/3 handler (client side). */
    public static final String AFTER_HTTP3 = "wt-after-h3";
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHook.class);
    private final WebTransportProtocolHandler handler;
    private final boolean isClient;

    public ConnectionHook(WebTransportProtocolHandler handler, boolean isClient) {
        this.handler = handler;
        this.isClient = isClient;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handler.connectionEstablished();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof QuicStreamChannel stream) {
            if (stream.type() == QuicStreamType.BIDIRECTIONAL) {
                if (!isClient) {
                    stream.pipeline().addFirst("wt-preamble",
                            new StreamPreambleDecoder(handler, StreamPreambleDecoder.Mode.SNIFF_BIDI));
                } else {
                    // Netty's HTTP/3 client closes the connection on server bidi streams: skip it.
                    stream.pipeline().addFirst("wt-preamble",
                            new StreamPreambleDecoder(handler, StreamPreambleDecoder.Mode.REQUIRE_BIDI));
                    ChannelHandlerContext after = ctx.pipeline().context(AFTER_HTTP3);
                    if (after != null) {
                        after.fireChannelRead(stream);
                        return;
                    }
                }
            }
            ctx.fireChannelRead(msg);
        } else if (msg instanceof ByteBuf datagram) {
            handler.handleQuicEvent(new QuicEvent.DatagramReceived(datagram));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QuicDatagramExtensionEvent d) {
            handler.handleQuicEvent(new QuicEvent.DatagramSupportNegotiated(d.maxLength()));
        } else if (evt instanceof QuicStreamLimitChangedEvent) {
            handler.handleQuicEvent(new QuicEvent.StreamLimitsChanged());
        } else if (evt instanceof QuicConnectionCloseEvent close) {
            LOG.debug("connection close from peer: {}", close);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handler.handleQuicEvent(new QuicEvent.ConnectionClosed(null));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("QUIC connection error from {}", ctx.channel().remoteAddress(), cause);
        ctx.fireExceptionCaught(cause);
    }
}

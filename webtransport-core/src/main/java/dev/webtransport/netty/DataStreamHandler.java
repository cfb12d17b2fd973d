package dev.webtransport.netty;

import dev.webtransport.protocol.QuicEvent;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Raw byte handler of a WebTransport data stream: turns Netty stream events into protocol events. */
public final class DataStreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(DataStreamHandler.class);
    private final WebTransportProtocolHandler handler;
    private boolean finished;

    public DataStreamHandler(WebTransportProtocolHandler handler) {
        this.handler = handler;
    }

    private long streamId(ChannelHandlerContext ctx) {
        return ((QuicStreamChannel) ctx.channel()).streamId();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            handler.handleQuicEvent(new QuicEvent.StreamDataReceived(streamId(ctx), buf));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && !finished) {
            finished = true;
            handler.handleQuicEvent(new QuicEvent.StreamFinished(streamId(ctx)));
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        handler.handleQuicEvent(new QuicEvent.StreamWritabilityChanged(streamId(ctx), ctx.channel().isWritable()));
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof QuicStreamResetException reset) {
            finished = true;
            handler.handleQuicEvent(new QuicEvent.StreamReset(streamId(ctx), reset.applicationProtocolCode()));
        } else {
            LOG.debug("stream {} failed", streamId(ctx), cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handler.handleQuicEvent(new QuicEvent.StreamClosed(streamId(ctx)));
        ctx.fireChannelInactive();
    }
}

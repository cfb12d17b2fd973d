package dev.webtransport.netty;

import dev.webtransport.protocol.QuicEvent;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3UnknownFrame;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The HTTP/3 request-stream handler of CONNECT streams, on both sides: the first HEADERS is the request (server) or
 * response (client), DATA payloads carry capsules, FIN or reset ends the session.
 */
public final class ConnectStreamHandler extends Http3RequestStreamInboundHandler {
    private final WebTransportProtocolHandler handler;
    private boolean headersSeen;
    private boolean ended;

    public ConnectStreamHandler(WebTransportProtocolHandler handler) {
        this.handler = handler;
    }

    private static long id(ChannelHandlerContext ctx) {
        return ((QuicStreamChannel) ctx.channel()).streamId();
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        if (headersSeen) {
            return; // trailers: nothing in WebTransport uses them
        }
        headersSeen = true;
        if (handler.isClient()) {
            handler.handleQuicEvent(new QuicEvent.SessionResponded(id(ctx), frame.headers()));
        } else {
            handler.handleQuicEvent(new QuicEvent.SessionRequested((QuicStreamChannel) ctx.channel(), frame.headers()));
        }
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        handler.handleQuicEvent(new QuicEvent.CapsuleDataReceived(id(ctx), frame.content()));
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3UnknownFrame frame) {
        ReferenceCountUtil.release(frame);
    }

    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
        if (!ended) {
            ended = true;
            handler.handleQuicEvent(new QuicEvent.ConnectStreamEnded(id(ctx)));
        }
    }

    @Override
    protected void handleQuicException(ChannelHandlerContext ctx, QuicException exception) {
        fail(ctx, exception);
    }

    @Override
    protected void handleHttp3Exception(ChannelHandlerContext ctx, Http3Exception exception) {
        fail(ctx, exception);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!ended) {
            ended = true;
            handler.handleQuicEvent(new QuicEvent.ConnectStreamFailed(id(ctx), cause));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ended) {
            ended = true;
            handler.handleQuicEvent(new QuicEvent.ConnectStreamFailed(id(ctx),
                    new java.nio.channels.ClosedChannelException()));
        }
        ctx.fireChannelInactive();
    }
}

package dev.webtransport.netty;

import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.protocol.wire.StreamPreamble;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.function.LongFunction;

/**
 * Netty's hook for uni stream types HTTP/3 does not know: type 0x54 becomes a WebTransport stream, any other type is
 * refused with STOP_SENDING (H3_STREAM_CREATION_ERROR) and its bytes discarded.
 */
public final class UniStreamHandlerFactory implements LongFunction<ChannelHandler> {
    private final WebTransportProtocolHandler handler;

    public UniStreamHandlerFactory(WebTransportProtocolHandler handler) {
        this.handler = handler;
    }

    @Override
    public ChannelHandler apply(long type) {
        if (type == StreamPreamble.UNI_STREAM_TYPE) {
            return new StreamPreambleDecoder(handler, StreamPreambleDecoder.Mode.UNI);
        }
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                ((QuicStreamChannel) ctx.channel()).shutdownInput((int) ErrorCodes.H3_STREAM_CREATION_ERROR);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        };
    }
}

package dev.webtransport.netty;

import dev.webtransport.protocol.QuicEvent;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.protocol.wire.ErrorCodes;
import dev.webtransport.protocol.wire.StreamPreamble;
import dev.webtransport.protocol.wire.VarInt;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.quic.QuicStreamChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the WebTransport preamble of a peer-initiated stream and then hands the stream to a {@link DataStreamHandler}.
 * Leftover bytes flow on when this decoder removes itself.
 */
public final class StreamPreambleDecoder extends ByteToMessageDecoder {
    /** What the decoder expects at the start of the stream. */
    public enum Mode {
        /** Server side, client bidi stream: 0x41 makes it WebTransport, anything else is left to HTTP/3. */
        SNIFF_BIDI,
        /** Client side, server bidi stream: must start with 0x41. */
        REQUIRE_BIDI,
        /** Uni stream whose 0x54 type was consumed by HTTP/3: only the session id follows. */
        UNI
    }

    private final WebTransportProtocolHandler handler;
    private final Mode mode;
    private boolean failed;

    public StreamPreambleDecoder(WebTransportProtocolHandler handler, Mode mode) {
        this.handler = handler;
        this.mode = mode;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        int start = in.readerIndex();
        if (mode != Mode.UNI) {
            long signal = VarInt.read(in);
            if (signal == VarInt.INCOMPLETE) {
                return;
            }
            if (signal != StreamPreamble.BIDI_SIGNAL) {
                in.readerIndex(start);
                if (mode == Mode.SNIFF_BIDI) {
                    ctx.pipeline().remove(this);
                } else {
                    failed = true;
                    handler.handleQuicEvent(new QuicEvent.ProtocolViolation(ErrorCodes.H3_STREAM_CREATION_ERROR,
                            "server-initiated bidirectional stream without the WebTransport signal"));
                    in.skipBytes(in.readableBytes());
                }
                return;
            }
        }
        long sessionId = VarInt.read(in);
        if (sessionId == VarInt.INCOMPLETE) {
            in.readerIndex(start);
            return;
        }
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        ChannelPipeline p = ctx.pipeline();
        if (mode == Mode.SNIFF_BIDI) {
            removeHandlersAfter(p, ctx.name());
        }
        p.addAfter(ctx.name(), "wt-data", new DataStreamHandler(handler));
        handler.handleQuicEvent(new QuicEvent.StreamOpened(stream, sessionId));
        p.remove(this);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (!ctx.isRemoved() && !failed && ctx.channel().isActive()) {
            // FIN before the preamble was complete (a connection that goes away is not reported)
            failed = true;
            in.skipBytes(in.readableBytes());
            handler.handleQuicEvent(new QuicEvent.StreamPreambleTruncated((QuicStreamChannel) ctx.channel()));
        }
    }

    private static void removeHandlersAfter(ChannelPipeline p, String self) {
        List<String> names = new ArrayList<>();
        boolean after = false;
        for (Map.Entry<String, ChannelHandler> e : p) {
            if (after) {
                names.add(e.getKey());
            } else if (e.getKey().equals(self)) {
                after = true;
            }
        }
        for (String n : names) {
            if (p.get(n) != null) {
                p.remove(n);
            }
        }
    }
}

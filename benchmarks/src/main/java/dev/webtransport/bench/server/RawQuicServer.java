package dev.webtransport.bench.server;

import dev.webtransport.bench.BenchProtocol;
import dev.webtransport.bench.RawTransport;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.server.tls.DevelopmentCertificate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * The ceiling: plain Netty QUIC (same native quiche, same {@link QuicConfiguration} as our server, NIO, one I/O
 * thread) serving {@link BenchProtocol} directly on QUIC streams and QUIC DATAGRAMs, with no HTTP/3 and no
 * WebTransport layer. ALPN {@value BenchProtocol#RAW_ALPN}.
 */
final class RawQuicServer implements ServerMain.BenchServer {
    static final AttributeKey<AtomicLong> DATAGRAMS = AttributeKey.valueOf("bench.datagrams");
    private final EventLoopGroup group;
    private final Channel channel;

    RawQuicServer(DevelopmentCertificate cert, QuicConfiguration quic) throws InterruptedException {
        QuicSslContext ssl = QuicSslContextBuilder.forServer(cert.privateKey(), null, cert.certificate())
                .applicationProtocols(BenchProtocol.RAW_ALPN).build();
        group = RawTransport.group();
        var codec = quic.applyTo(new QuicServerCodecBuilder())
                .sslContext(ssl)
                .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, RawTransport.segments())
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                        ch.attr(DATAGRAMS).set(new AtomicLong());
                        ch.pipeline().addLast(new DatagramHandler());
                    }
                })
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.pipeline().addLast(new StreamHandler());
                    }
                })
                .build();
        channel = RawTransport.bootstrap(group).handler(codec)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @Override
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** Counts QUIC DATAGRAMs; echoes pings. */
    private static final class DatagramHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                ctx.channel().attr(DATAGRAMS).get().incrementAndGet();
                if (buf.isReadable() && buf.getByte(buf.readerIndex()) == BenchProtocol.DGRAM_PING) {
                    ctx.writeAndFlush(buf);
                } else {
                    buf.release();
                }
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** One stream: header, then echo / sink / source / stats, honouring writability. */
    private static final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final BenchProtocol.HeaderParser header = new BenchProtocol.HeaderParser();
        private final CRC32 crc = new CRC32();
        private long count;
        private long sourceOffset;
        private long sourceTotal = -1;
        private final byte[] scratch = new byte[BenchProtocol.CHUNK];

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                if (!header.complete()) {
                    ByteBuffer nio = buf.nioBuffer();
                    int start = nio.position();
                    header.feed(nio);
                    buf.skipBytes(nio.position() - start);
                    if (!header.complete()) {
                        return;
                    }
                    if (header.mode() == BenchProtocol.DOWNLOAD) {
                        sourceTotal = header.argument();
                        sourceOffset = 0;
                        produce(ctx);
                    } else if (header.mode() == BenchProtocol.STATS) {
                        QuicChannel parent = ((QuicStreamChannel) ctx.channel()).parent();
                        long n = parent.attr(DATAGRAMS).get().get();
                        ctx.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.buffer(8).writeLong(n), true));
                    }
                }
                if (!buf.isReadable()) {
                    return;
                }
                if (header.mode() == BenchProtocol.ECHO) {
                    ctx.write(buf.retain());
                    if (!ctx.channel().isWritable()) {
                        ctx.flush();
                        ctx.channel().config().setAutoRead(false);
                    }
                } else if (header.mode() == BenchProtocol.UPLOAD) {
                    count += buf.readableBytes();
                    crc.update(buf.nioBuffer());
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                if (sourceTotal >= 0) {
                    produce(ctx);
                } else if (!ctx.channel().config().isAutoRead()) {
                    ctx.channel().config().setAutoRead(true);
                    ctx.read();
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void produce(ChannelHandlerContext ctx) {
            while (sourceOffset < sourceTotal && ctx.channel().isWritable()) {
                int len = (int) Math.min(BenchProtocol.CHUNK, sourceTotal - sourceOffset);
                ByteBuf chunk = ctx.alloc().directBuffer(len);
                BenchProtocol.fill(sourceOffset, scratch, 0, len);
                chunk.writeBytes(scratch, 0, len);
                sourceOffset += len;
                boolean last = sourceOffset >= sourceTotal;
                ctx.write(last ? new DefaultQuicStreamFrame(chunk, true) : chunk);
            }
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (header.complete() && header.mode() == BenchProtocol.UPLOAD) {
                    ctx.writeAndFlush(new DefaultQuicStreamFrame(
                            Unpooled.wrappedBuffer(BenchProtocol.uploadAnswer(count, crc.getValue())), true));
                } else if (!header.complete() || header.mode() == BenchProtocol.ECHO) {
                    ctx.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

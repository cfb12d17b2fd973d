package dev.webtransport.bench.client;

import dev.webtransport.bench.BenchProtocol;
import dev.webtransport.bench.RawTransport;
import dev.webtransport.bench.Streams;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.protocol.WebTransportProtocolUtils;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link BenchClient} on plain Netty QUIC: the client-side QUIC settings of our WebTransport client
 * ({@link WebTransportProtocolUtils#createQuicConfiguration(boolean) createQuicConfiguration(true)}), one NIO I/O
 * thread, one UDP socket per connection, like our client. No HTTP/3, no WebTransport framing.
 */
public final class RawQuicBenchClient implements BenchClient {
    private final EventLoopGroup group = RawTransport.group();
    private final QuicSslContext ssl = QuicSslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocols(BenchProtocol.RAW_ALPN).build();
    private final QuicConfiguration quic = WebTransportProtocolUtils.createQuicConfiguration(true);
    private final InetSocketAddress server;

    public RawQuicBenchClient(int port) {
        this.server = new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public CompletableFuture<BenchClient.Connection> connect() {
        CompletableFuture<BenchClient.Connection> f = new CompletableFuture<>();
        RawConnection conn = new RawConnection();
        var codec = quic.applyTo(new QuicClientCodecBuilder()).sslContext(ssl).build();
        RawTransport.bootstrap(group).handler(codec).bind(0).addListener(bf -> {
            if (!bf.isSuccess()) {
                f.completeExceptionally(bf.cause());
                return;
            }
            Channel datagram = ((ChannelFuture) bf).channel();
            QuicChannel.newBootstrap(datagram)
                    .handler(conn)
                    .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, RawTransport.segments())
                    .streamHandler(new ChannelInboundHandlerAdapter())
                    .remoteAddress(server)
                    .connect()
                    .addListener(cf -> {
                        if (!cf.isSuccess()) {
                            datagram.close();
                            f.completeExceptionally(cf.cause());
                            return;
                        }
                        QuicChannel qc = (QuicChannel) cf.getNow();
                        conn.channel = qc;
                        qc.closeFuture().addListener(x -> datagram.close());
                        f.complete(conn);
                    });
        });
        return f;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    static CompletableFuture<Void> toCompletable(Future<?> nf) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        nf.addListener(x -> {
            if (x.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(x.cause());
            }
        });
        return f;
    }

    private static final class RawConnection extends ChannelInboundHandlerAdapter implements BenchClient.Connection {
        volatile QuicChannel channel;
        volatile Consumer<byte[]> datagrams = b -> { };

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                try {
                    datagrams.accept(ByteBufUtil.getBytes(buf));
                } finally {
                    buf.release();
                }
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicStreamLimitChangedEvent) {
                drainWaitingOpens();
            }
            ctx.fireUserEventTriggered(evt);
        }

        /** Opens waiting for the server's stream credit (QUIC fails an open beyond it at once); event loop only. */
        private final java.util.ArrayDeque<Runnable> waitingOpens = new java.util.ArrayDeque<>();

        @Override
        public CompletableFuture<BenchClient.Stream> openStream(Streams.Receiver receiver) {
            CompletableFuture<BenchClient.Stream> f = new CompletableFuture<>();
            Runnable open = () -> channel.createStream(QuicStreamType.BIDIRECTIONAL, new StreamReader(receiver))
                    .addListener(sf -> {
                        if (sf.isSuccess()) {
                            f.complete(new RawStream((QuicStreamChannel) sf.getNow()));
                        } else {
                            f.completeExceptionally(sf.cause());
                        }
                    });
            channel.eventLoop().execute(() -> {
                waitingOpens.add(open);
                drainWaitingOpens();
            });
            return f;
        }

        private void drainWaitingOpens() {
            while (!waitingOpens.isEmpty() && channel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0) {
                waitingOpens.poll().run();
            }
        }

        @Override
        public CompletableFuture<Void> sendDatagram(byte[] payload) {
            return toCompletable(channel.writeAndFlush(Unpooled.wrappedBuffer(payload)));
        }

        @Override
        public void onDatagram(Consumer<byte[]> consumer) {
            datagrams = consumer;
        }

        @Override
        public CompletableFuture<Void> close() {
            return toCompletable(channel.close());
        }
    }

    private record RawStream(QuicStreamChannel ch) implements BenchClient.Stream {
        @Override
        public CompletableFuture<Void> write(byte[] data, boolean fin) {
            // Always through the event loop's task queue: a write made directly on the event loop would overtake
            // writes still queued from other threads and reorder the stream.
            CompletableFuture<Void> f = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                // copied into a pooled direct buffer, as our engine copies a byte[] write
                ByteBuf buf = ch.alloc().directBuffer(data.length).writeBytes(data);
                ch.writeAndFlush(fin ? new DefaultQuicStreamFrame(buf, true) : buf).addListener(x -> {
                    if (x.isSuccess()) {
                        f.complete(null);
                    } else {
                        f.completeExceptionally(x.cause());
                    }
                });
            });
            return f;
        }
    }

    private static final class StreamReader extends ChannelInboundHandlerAdapter {
        private final Streams.Receiver receiver;

        StreamReader(Streams.Receiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                try {
                    receiver.onData(buf.nioBuffer());
                } finally {
                    buf.release();
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                receiver.onEnd();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            receiver.onError(cause);
            ctx.close();
        }
    }
}

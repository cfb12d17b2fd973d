package io.netty.handler.codec.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.webtransport.server.tls.DevelopmentCertificate;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guard test for {@link QuicStreamErrors}: a real Netty QUIC server and client on 127.0.0.1 exchange RESET_STREAM and
 * STOP_SENDING frames with 62-bit codes. It fails when a Netty upgrade breaks the internals the helper relies on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicStreamErrorsTest {

    private static final String ALPN = "wt-test";
    /** WebTransport application code 42 mapped to HTTP/3: 0x52e4a40fa8db + 42 + 42 / 0x1e. */
    private static final long RESET_CODE = 0x52e4a40fa906L;
    /** WebTransport application code 30 mapped to HTTP/3. */
    private static final long STOP_CODE = 0x52e4a40fa8faL;
    /** Flow-control window the client grants the server per bidi stream, small enough to queue server writes. */
    private static final int CLIENT_STREAM_WINDOW = 1024;

    @TempDir
    static Path tempDir;

    private static EventLoopGroup group;
    private static Channel serverChannel;
    private static Channel clientChannel;
    private static InetSocketAddress serverAddress;

    /** Server streams, offered once their first bytes arrived. */
    private static final BlockingQueue<QuicStreamChannel> serverStreams = new LinkedBlockingQueue<>();
    /** Exceptions seen on server streams. */
    private static final BlockingQueue<Throwable> serverStreamErrors = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startServerAndClient() throws Exception {
        assertThat(Quic.isAvailable()).as("native QUIC: %s", Quic.unavailabilityCause()).isTrue();

        DevelopmentCertificate certificate = DevelopmentCertificate.generateDefault();
        Path certFile = certificate.writeCertificatePem(tempDir.resolve("cert.pem"));
        Path keyFile = certificate.writePrivateKeyPem(tempDir.resolve("key.pem"));
        QuicSslContext serverSsl = QuicSslContextBuilder.forServer(keyFile.toFile(), null, certFile.toFile())
                .applicationProtocols(ALPN).build();
        QuicSslContext clientSsl = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(ALPN).build();

        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

        ChannelHandler serverCodec = new QuicServerCodecBuilder()
                .sslContext(serverSsl)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(1 << 20)
                .initialMaxStreamDataBidirectionalLocal(64 * 1024)
                .initialMaxStreamDataBidirectionalRemote(64 * 1024)
                .initialMaxStreamsBidirectional(100)
                .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                .handler(new ConnectionHandler())
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel stream) {
                        stream.pipeline().addLast(new ServerStreamHandler());
                    }
                })
                .build();
        serverChannel = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(serverCodec)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        serverAddress = (InetSocketAddress) serverChannel.localAddress();

        ChannelHandler clientCodec = new QuicClientCodecBuilder()
                .sslContext(clientSsl)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(1 << 20)
                .initialMaxStreamDataBidirectionalLocal(CLIENT_STREAM_WINDOW)
                .initialMaxStreamDataBidirectionalRemote(64 * 1024)
                .build();
        clientChannel = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(clientCodec)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterAll
    static void shutDown() throws Exception {
        if (clientChannel != null) {
            clientChannel.close().sync();
        }
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @BeforeEach
    void clearQueues() {
        serverStreams.clear();
        serverStreamErrors.clear();
    }

    @Test
    void isSupportedOnThisNettyVersion() {
        assertThat(QuicStreamErrors.isSupported())
                .as("QuicStreamErrors no longer matches Netty's internals; update it for this Netty version")
                .isTrue();
    }

    @Test
    void resetStreamSendsA62BitCodeThePeerObserves() throws Exception {
        QuicChannel quic = connect(null);
        try {
            ClientStreamHandler client = new ClientStreamHandler();
            QuicStreamChannel clientStream = quic.createStream(QuicStreamType.BIDIRECTIONAL, client).sync().getNow();
            writeText(clientStream, "hello").sync();
            QuicStreamChannel serverStream = nextServerStream();

            // Called from the test thread: the helper must hop onto the event loop.
            Future<Void> reset = QuicStreamErrors.resetStream(serverStream, RESET_CODE);
            assertThat(reset.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(reset.cause()).isNull();

            Throwable observed = client.errors.poll(10, TimeUnit.SECONDS);
            assertThat(observed).isInstanceOf(QuicStreamResetException.class);
            assertThat(((QuicStreamResetException) observed).applicationProtocolCode()).isEqualTo(RESET_CODE);

            // The reset stream refuses further writes instead of silently dropping them, and releases the buffer.
            assertThat(serverStream.isOutputShutdown()).isTrue();
            ByteBuf late = Unpooled.directBuffer().writeBytes(bytes("late"));
            ChannelFuture lateWrite = serverStream.writeAndFlush(late);
            assertThat(lateWrite.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(lateWrite.cause()).isInstanceOf(ChannelOutputShutdownException.class);
            assertThat(late.refCnt()).isZero();
        } finally {
            quic.close().sync();
        }
    }

    @Test
    void resetStreamFailsWritesQueuedBehindFlowControl() throws Exception {
        QuicChannel quic = connect(null);
        try {
            ClientStreamHandler client = new ClientStreamHandler();
            // The client does not read, so the server's write exceeds the 1 KiB window and stays queued.
            QuicStreamChannel clientStream = quic.newStreamBootstrap()
                    .type(QuicStreamType.BIDIRECTIONAL)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(client)
                    .create().sync().getNow();
            writeText(clientStream, "hello").sync();
            QuicStreamChannel serverStream = nextServerStream();

            ByteBuf big = Unpooled.directBuffer(4 * CLIENT_STREAM_WINDOW).writeZero(4 * CLIENT_STREAM_WINDOW);
            ChannelFuture queued = runOnLoop(serverStream, () -> serverStream.writeAndFlush(big));
            assertThat(queued.await(500, TimeUnit.MILLISECONDS)).as("write is blocked by flow control").isFalse();

            // Called on the event loop this time.
            Future<Void> reset = runOnLoop(serverStream, () -> QuicStreamErrors.resetStream(serverStream, RESET_CODE));
            assertThat(reset.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(reset.cause()).isNull();

            assertThat(queued.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(queued.cause()).isInstanceOf(ChannelOutputShutdownException.class)
                    .hasMessageContaining(Long.toHexString(RESET_CODE));
            assertThat(big.refCnt()).isZero();

            clientStream.read();
            Throwable observed = client.errors.poll(10, TimeUnit.SECONDS);
            assertThat(observed).isInstanceOf(QuicStreamResetException.class);
            assertThat(((QuicStreamResetException) observed).applicationProtocolCode()).isEqualTo(RESET_CODE);
        } finally {
            quic.close().sync();
        }
    }

    @Test
    void stopSendingMakesThePeersWritesFailAndCarriesThe62BitCode() throws Exception {
        Path qlogDir = Files.createDirectories(tempDir.resolve("qlog-stop-sending"));
        QuicChannel quic = connect(qlogDir);
        try {
            ClientStreamHandler client = new ClientStreamHandler();
            QuicStreamChannel clientStream = quic.createStream(QuicStreamType.BIDIRECTIONAL, client).sync().getNow();
            writeText(clientStream, "hello").sync();
            QuicStreamChannel serverStream = nextServerStream();

            Future<Void> stop = QuicStreamErrors.stopSending(serverStream, STOP_CODE);
            assertThat(stop.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(stop.cause()).isNull();
            assertThat(serverStream.isInputShutdown()).isTrue();

            // Netty reports an incoming STOP_SENDING only through failing writes.
            Throwable writeFailure = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (writeFailure == null && System.nanoTime() < deadline) {
                ChannelFuture write = writeText(clientStream, "more");
                assertThat(write.await(5, TimeUnit.SECONDS)).isTrue();
                writeFailure = write.cause();
                if (writeFailure == null) {
                    Thread.sleep(20);
                }
            }
            assertThat(writeFailure).isInstanceOf(ChannelOutputShutdownException.class)
                    .hasMessageContaining("STOP_SENDING");
        } finally {
            quic.close().sync();
        }
        // The code itself is only visible in quiche's qlog of the client, written out when the connection is freed.
        String received = awaitQlog(qlogDir, "\"stop_sending\"");
        assertThat(received).containsPattern("\\{\"frame_type\":\"stop_sending\"[^}]*\"error_code\":"
                + STOP_CODE + "[,}]");
    }

    @Test
    void intSizedCodesAndInvalidCodes() throws Exception {
        QuicChannel quic = connect(null);
        try {
            ClientStreamHandler client = new ClientStreamHandler();
            QuicStreamChannel clientStream = quic.createStream(QuicStreamType.BIDIRECTIONAL, client).sync().getNow();
            writeText(clientStream, "hello").sync();
            QuicStreamChannel serverStream = nextServerStream();

            assertThatThrownBy(() -> QuicStreamErrors.resetStream(serverStream, -1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> QuicStreamErrors.stopSending(serverStream, 1L << 62))
                    .isInstanceOf(IllegalArgumentException.class);

            long sessionGone = 0x170d7b68L; // WEBTRANSPORT_SESSION_GONE fits an int
            assertThat(QuicStreamErrors.resetStream(serverStream, sessionGone).await(5, TimeUnit.SECONDS)).isTrue();
            Throwable observed = client.errors.poll(10, TimeUnit.SECONDS);
            assertThat(observed).isInstanceOf(QuicStreamResetException.class);
            assertThat(((QuicStreamResetException) observed).applicationProtocolCode()).isEqualTo(sessionGone);

            // The largest legal code is accepted as well.
            assertThat(QuicStreamErrors.stopSending(serverStream, (1L << 62) - 1).await(5, TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            quic.close().sync();
        }
    }

    private static QuicChannel connect(Path qlogDir) throws Exception {
        QuicChannelBootstrap bootstrap = QuicChannel.newBootstrap(clientChannel)
                .handler(new ChannelInboundHandlerAdapter())
                .streamHandler(new ChannelInboundHandlerAdapter())
                .remoteAddress(serverAddress);
        if (qlogDir != null) {
            bootstrap.option(QuicChannelOption.QLOG,
                    new QLogConfiguration(qlogDir.toString(), "QuicStreamErrorsTest", "client"));
        }
        return bootstrap.connect().get(10, TimeUnit.SECONDS);
    }

    private static QuicStreamChannel nextServerStream() throws InterruptedException {
        QuicStreamChannel stream = serverStreams.poll(10, TimeUnit.SECONDS);
        assertThat(stream).as("server stream").isNotNull();
        return stream;
    }

    private static ChannelFuture writeText(QuicStreamChannel stream, String text) {
        return stream.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static <T> T runOnLoop(Channel channel, java.util.concurrent.Callable<T> task) throws Exception {
        return channel.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
    }

    private static String awaitQlog(Path dir, String needle) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String content = "";
        while (System.nanoTime() < deadline) {
            content = readAll(dir);
            if (content.contains(needle)) {
                return content.lines().filter(l -> l.contains(needle)).collect(Collectors.joining("\n"));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + needle + " in qlog under " + dir + ": " + content.length() + " chars");
    }

    private static String readAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path file : files.collect(Collectors.toList())) {
                sb.append(Files.readString(file, StandardCharsets.UTF_8));
            }
            return sb.toString();
        }
    }

    /** Offers the stream once its first bytes arrived; releases everything it reads. */
    private static final class ServerStreamHandler extends ChannelInboundHandlerAdapter {
        private boolean offered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            if (!offered) {
                offered = true;
                serverStreams.add((QuicStreamChannel) ctx.channel());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            serverStreamErrors.add(cause);
        }
    }

    /** Connection-level handler shared by all server connections; it only lets events pass. */
    @ChannelHandler.Sharable
    private static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    }

    /** Records exceptions and releases everything it reads. */
    private static final class ClientStreamHandler extends ChannelInboundHandlerAdapter {
        final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }
}

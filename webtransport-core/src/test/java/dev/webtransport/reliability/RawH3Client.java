package dev.webtransport.reliability;

import dev.webtransport.protocol.wire.VarInt;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A deliberately naive HTTP/3 + WebTransport client for fault injection: Netty's QUIC and HTTP/3 codecs, but every
 * WebTransport byte (stream preambles, capsules, datagram prefixes) is written by the test as is. It can hold back
 * its SETTINGS, send CONNECT requests with any header section, write raw bytes on bidi and uni streams, and send raw
 * QUIC datagrams. It records what the server answers: response headers, capsule bytes, FIN, RESET_STREAM codes, the
 * peer's CONNECTION_CLOSE and datagrams. (Netty 4.2.18 does not expose an incoming STOP_SENDING: neither its code nor,
 * reliably, the fact itself — later writes simply stall — so STOP_SENDING-only rejections are checked on the server.)
 */
final class RawH3Client implements AutoCloseable {
    /** Upper bound of every single wait of this helper. */
    static final long WAIT_SECONDS = 10;

    private final EventLoopGroup group;
    private final Channel udp;
    private final QuicChannel quic;
    private final Events events;
    private final SettingsGate gate;
    final int port;

    private RawH3Client(EventLoopGroup group, Channel udp, QuicChannel quic, Events events, SettingsGate gate,
                        int port) {
        this.group = group;
        this.udp = udp;
        this.quic = quic;
        this.events = events;
        this.gate = gate;
        this.port = port;
    }

    /** Connects to 127.0.0.1:port and sends our SETTINGS right away. */
    static RawH3Client connect(int port) throws Exception {
        return connect(port, false);
    }

    /**
     * Connects to 127.0.0.1:port; with {@code holdSettings} our control stream (and so our SETTINGS) is only opened
     * by {@link #releaseSettings()}.
     */
    static RawH3Client connect(int port, boolean holdSettings) throws Exception {
        return connect(port, holdSettings, Map.of());
    }

    /**
     * Connects declaring session flow control with limits too large to matter: draft-13+ servers allow a second
     * session on a connection only then.
     */
    static RawH3Client connectWithFlowControl(int port) throws Exception {
        return connect(port, false, Map.of(0x2b61L, (1L << 62) - 1, 0x2b64L, 1L << 60, 0x2b65L, 1L << 60));
    }

    /** Like {@link #connect(int, boolean)}, sending {@code extraSettings} too. */
    static RawH3Client connect(int port, boolean holdSettings, Map<Long, Long> extraSettings) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-h3", true),
                NioIoHandler.newFactory());
        try {
            ChannelHandler codec = new QuicClientCodecBuilder()
                    .sslContext(QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                            .applicationProtocols("h3").build())
                    .maxIdleTimeout(20, TimeUnit.SECONDS)
                    .initialMaxData(16 * 1024 * 1024)
                    .initialMaxStreamDataBidirectionalLocal(1024 * 1024)
                    .initialMaxStreamDataBidirectionalRemote(1024 * 1024)
                    .initialMaxStreamDataUnidirectional(1024 * 1024)
                    .initialMaxStreamsBidirectional(100)
                    .initialMaxStreamsUnidirectional(100)
                    .maxRecvUdpPayloadSize(1452)
                    .maxSendUdpPayloadSize(1452)
                    .datagram(256, 256)
                    .build();
            Channel udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Events events = new Events();
            SettingsGate gate = new SettingsGate(holdSettings);
            Http3Settings settings = new Http3Settings((id, v) -> true);
            Map<Long, Long> all = new LinkedHashMap<>(clientSettings());
            all.putAll(extraSettings);
            for (Map.Entry<Long, Long> e : all.entrySet()) {
                settings.put(e.getKey(), e.getValue());
            }
            Http3ClientConnectionHandler h3 = new Http3ClientConnectionHandler(new ControlStreamRecorder(events),
                    null, type -> {
                        if (type != 0x54) {
                            return new Discard();
                        }
                        RawStream s = new RawStream();
                        events.serverUni.add(s);
                        return s;
                    },
                    new DefaultHttp3SettingsFrame(settings), true, (id, v) -> true);
            QuicChannel quic = QuicChannel.newBootstrap(udp)
                    .handler(new ChannelInitializer<QuicChannel>() {
                        @Override
                        protected void initChannel(QuicChannel ch) {
                            ch.pipeline().addLast("events", events);
                            ch.pipeline().addLast("gate", gate);
                            ch.pipeline().addLast("h3", h3);
                        }
                    })
                    .remoteAddress(new InetSocketAddress("127.0.0.1", port))
                    .connect().get(WAIT_SECONDS, TimeUnit.SECONDS);
            return new RawH3Client(group, udp, quic, events, gate, port);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The SETTINGS we send: what a draft-02/draft-13 WebTransport client sends. */
    static Map<Long, Long> clientSettings() {
        Map<Long, Long> s = new LinkedHashMap<>();
        s.put(0x01L, 0L);
        s.put(0x07L, 0L);
        s.put(0x33L, 1L);
        s.put(0x2b603742L, 1L);
        s.put(0x14e9cd29L, 1L);
        return s;
    }

    QuicChannel quic() {
        return quic;
    }

    /** Opens our control stream now (only meaningful after {@code connect(port, true)}). */
    void releaseSettings() {
        gate.release();
    }

    /** The server's SETTINGS. */
    Map<Long, Long> serverSettings() throws Exception {
        return events.serverSettings.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** The CONNECTION_CLOSE the server sent, waiting at most {@link #WAIT_SECONDS}. */
    QuicConnectionCloseEvent awaitPeerClose() throws Exception {
        return events.peerClose.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Whether the server closed the connection within {@code millis}. */
    boolean peerClosedWithin(long millis) throws InterruptedException {
        try {
            events.peerClose.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    boolean isActive() {
        return quic.isActive();
    }

    /** The largest QUIC DATAGRAM payload the server accepts (0 if it does not). */
    int maxDatagramLength() {
        return events.maxDatagramLength;
    }

    /** Datagrams from the server, copied. */
    BlockingQueue<byte[]> datagrams() {
        return events.datagrams;
    }

    /** Server-initiated uni streams of type 0x54 (their bytes start with the session id varint). */
    BlockingQueue<RawStream> serverUniStreams() {
        return events.serverUni;
    }

    /** Sends a raw QUIC DATAGRAM; the future fails when QUIC refuses it. */
    CompletableFuture<Void> sendDatagram(byte[] payload) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        quic.writeAndFlush(Unpooled.wrappedBuffer(payload)).addListener(w -> {
            if (w.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(w.cause());
            }
        });
        return f;
    }

    /**
     * Sends a QUIC DATAGRAM with an empty payload. Netty silently skips empty datagram buffers, so this calls quiche
     * directly, reflectively, through Netty 4.2.18 internals ({@code QuicheQuicChannel.connection},
     * {@code Quiche.quiche_conn_dgram_send}, {@code QuicheQuicChannel.connectionSendAndFlush()}).
     */
    CompletableFuture<Void> sendEmptyDatagram() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        quic.eventLoop().execute(() -> {
            ByteBuf empty = Unpooled.directBuffer(1);
            try {
                Field connectionField = quic.getClass().getDeclaredField("connection");
                connectionField.setAccessible(true);
                Object connection = connectionField.get(quic);
                Method address = connection.getClass().getDeclaredMethod("address");
                address.setAccessible(true);
                Class<?> quiche = Class.forName("io.netty.handler.codec.quic.Quiche");
                Method memory = quiche.getDeclaredMethod("readerMemoryAddress", ByteBuf.class);
                memory.setAccessible(true);
                Method send = quiche.getDeclaredMethod("quiche_conn_dgram_send", long.class, long.class, int.class);
                send.setAccessible(true);
                int res = (int) send.invoke(null, (long) address.invoke(connection), (long) memory.invoke(null, empty), 0);
                if (res < 0) {
                    throw new IllegalStateException("quiche_conn_dgram_send returned " + res);
                }
                Method flush = quic.getClass().getDeclaredMethod("connectionSendAndFlush");
                flush.setAccessible(true);
                flush.invoke(quic);
                f.complete(null);
            } catch (Throwable t) {
                f.completeExceptionally(t);
            } finally {
                empty.release();
            }
        });
        return f;
    }

    /** Opens an HTTP/3 request stream (nothing written yet). */
    RequestStream openRequest() throws Exception {
        RequestStream r = new RequestStream();
        QuicStreamChannel ch = Http3.newRequestStream(quic, r).get(WAIT_SECONDS, TimeUnit.SECONDS);
        r.channel = ch;
        return r;
    }

    /** Sends a well-formed WebTransport CONNECT for {@code path} and waits for the response headers. */
    RequestStream session(String path) throws Exception {
        RequestStream r = openRequest();
        r.sendHeaders(connectHeaders(path));
        Http3Headers response = r.response();
        if (!"200".contentEquals(response.status())) {
            throw new AssertionError("CONNECT " + path + " answered " + response.status());
        }
        return r;
    }

    /** A well-formed WebTransport CONNECT header section for this server. */
    Http3Headers connectHeaders(String path) {
        Http3Headers h = new DefaultHttp3Headers(false);
        h.method("CONNECT");
        h.protocol("webtransport");
        h.scheme("https");
        h.authority("127.0.0.1:" + port);
        h.path(path);
        return h;
    }

    /** Opens a raw bidi stream and writes {@code bytes} (with FIN if asked). */
    RawStream openBidi(byte[] bytes, boolean fin) throws Exception {
        return open(QuicStreamType.BIDIRECTIONAL, bytes, fin);
    }

    /** Opens a raw uni stream and writes {@code bytes} (with FIN if asked); they must start with the stream type. */
    RawStream openUni(byte[] bytes, boolean fin) throws Exception {
        return open(QuicStreamType.UNIDIRECTIONAL, bytes, fin);
    }

    private RawStream open(QuicStreamType type, byte[] bytes, boolean fin) throws Exception {
        RawStream s = new RawStream();
        QuicStreamChannel ch = quic.createStream(type, s).get(WAIT_SECONDS, TimeUnit.SECONDS);
        s.channel = ch;
        if (bytes.length > 0 || fin) {
            s.write(bytes, fin).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        return s;
    }

    @Override
    public void close() {
        try {
            if (quic.isActive()) {
                quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ byte builders

    /** Concatenates byte arrays. */
    static byte[] bytes(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Literal bytes. */
    static byte[] raw(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] varint(long v) {
        return VarInt.encode(v);
    }

    /** {@code v} as a non-minimal 8-byte varint. */
    static byte[] varint8(long v) {
        byte[] b = new byte[8];
        long x = 0xC000_0000_0000_0000L | v;
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) x;
            x >>>= 8;
        }
        return b;
    }

    /** {@code v} as a non-minimal 4-byte varint. */
    static byte[] varint4(long v) {
        long x = 0x8000_0000L | v;
        return raw((int) (x >>> 24) & 0xff, (int) (x >>> 16) & 0xff, (int) (x >>> 8) & 0xff, (int) x & 0xff);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A capsule: type, length, value (minimal varints). */
    static byte[] capsule(long type, byte[] value) {
        return bytes(varint(type), varint(value.length), value);
    }

    /** A CLOSE_WEBTRANSPORT_SESSION value: 32-bit code + reason bytes (not validated). */
    static byte[] closeValue(long code, byte[] reason) {
        return bytes(raw((int) (code >>> 24) & 0xff, (int) (code >>> 16) & 0xff, (int) (code >>> 8) & 0xff,
                (int) code & 0xff), reason);
    }

    static String hex(byte[] b) {
        return ByteBufUtil.hexDump(b);
    }

    // ------------------------------------------------------------------ streams

    /** A raw stream (ours or the server's): records bytes, FIN, RESET_STREAM code and write failures. */
    static final class RawStream extends ChannelInboundHandlerAdapter {
        volatile QuicStreamChannel channel;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> fin = new CompletableFuture<>();
        final CompletableFuture<Long> reset = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = (QuicStreamChannel) ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf b) {
                    byte[] copy = ByteBufUtil.getBytes(b);
                    synchronized (received) {
                        received.writeBytes(copy);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                fin.complete(received());
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof QuicStreamResetException r) {
                reset.complete(r.applicationProtocolCode());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(null);
            ctx.fireChannelInactive();
        }

        byte[] received() {
            synchronized (received) {
                return received.toByteArray();
            }
        }

        /** Writes {@code bytes}, carrying FIN on this write when asked. */
        CompletableFuture<Void> write(byte[] bytes, boolean withFin) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            channel.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.wrappedBuffer(bytes), withFin))
                    .addListener(w -> {
                        if (w.isSuccess()) {
                            f.complete(null);
                        } else {
                            f.completeExceptionally(w.cause());
                        }
                    });
            return f;
        }

        /** The RESET_STREAM code the server sent. */
        long awaitReset() throws Exception {
            return reset.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        /** Every byte up to the server's FIN. */
        byte[] awaitFin() throws Exception {
            return fin.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** An HTTP/3 request stream: records the response, DATA payloads, FIN and resets. */
    static final class RequestStream extends Http3RequestStreamInboundHandler {
        volatile QuicStreamChannel channel;
        final CompletableFuture<Http3Headers> response = new CompletableFuture<>();
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> fin = new CompletableFuture<>();
        final CompletableFuture<Long> reset = new CompletableFuture<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();

        long streamId() {
            return channel.streamId();
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            response.complete(frame.headers());
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            byte[] copy = ByteBufUtil.getBytes(frame.content());
            synchronized (data) {
                data.writeBytes(copy);
            }
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            fin.complete(data());
        }

        @Override
        protected void handleQuicException(ChannelHandlerContext ctx, QuicException exception) {
            if (exception instanceof QuicStreamResetException r) {
                reset.complete(r.applicationProtocolCode());
            }
            error.complete(exception);
        }

        @Override
        protected void handleHttp3Exception(ChannelHandlerContext ctx, Http3Exception exception) {
            error.complete(exception);
        }

        byte[] data() {
            synchronized (data) {
                return data.toByteArray();
            }
        }

        Http3Headers response() throws Exception {
            return response.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        long awaitReset() throws Exception {
            return reset.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        byte[] awaitFin() throws Exception {
            return fin.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        CompletableFuture<Void> sendHeaders(Http3Headers headers) {
            DefaultHttp3HeadersFrame frame = new DefaultHttp3HeadersFrame(headers);
            return complete(channel.writeAndFlush(frame));
        }

        /** One DATA frame holding {@code payload} (raw capsule bytes). */
        CompletableFuture<Void> sendData(byte[] payload) {
            return complete(channel.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(payload))));
        }

        /** One DATA frame holding {@code payload}, then FIN once it is written. */
        CompletableFuture<Void> sendDataAndFin(byte[] payload) {
            return complete(channel.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(payload)))
                    .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT));
        }

        private static CompletableFuture<Void> complete(io.netty.channel.ChannelFuture cf) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            cf.addListener(w -> {
                if (w.isSuccess()) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(w.cause());
                }
            });
            return f;
        }
    }

    // ------------------------------------------------------------------ connection plumbing

    /** Records connection-level events and datagrams; sits first in the QuicChannel pipeline. */
    private static final class Events extends ChannelInboundHandlerAdapter {
        final CompletableFuture<QuicConnectionCloseEvent> peerClose = new CompletableFuture<>();
        final CompletableFuture<Map<Long, Long>> serverSettings = new CompletableFuture<>();
        final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
        final BlockingQueue<RawStream> serverUni = new LinkedBlockingQueue<>();
        volatile int maxDatagramLength;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                datagrams.add(ByteBufUtil.getBytes(b));
                b.release();
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicConnectionCloseEvent close) {
                peerClose.complete(close);
            } else if (evt instanceof QuicDatagramExtensionEvent d) {
                maxDatagramLength = d.maxLength();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            peerClose.completeExceptionally(new IllegalStateException("connection closed without CONNECTION_CLOSE"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // connection errors show up as the close event
        }
    }

    /** Holds back channelActive, and so the HTTP/3 control stream with our SETTINGS, until released. */
    private static final class SettingsGate extends ChannelInboundHandlerAdapter {
        private final boolean hold;
        private volatile ChannelHandlerContext ctx;
        private boolean held;

        SettingsGate(boolean hold) {
            this.hold = hold;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (hold) {
                held = true;
            } else {
                ctx.fireChannelActive();
            }
        }

        void release() {
            ChannelHandlerContext c = ctx;
            c.executor().execute(() -> {
                if (held) {
                    held = false;
                    c.fireChannelActive();
                }
            });
        }
    }

    /** Inbound control stream handler: records the server's SETTINGS. */
    private static final class ControlStreamRecorder extends ChannelInboundHandlerAdapter {
        private final Events events;

        ControlStreamRecorder(Events events) {
            this.events = events;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http3SettingsFrame s) {
                Map<Long, Long> copy = new LinkedHashMap<>();
                for (Map.Entry<Long, Long> e : s.settings()) {
                    copy.put(e.getKey(), e.getValue());
                }
                events.serverSettings.complete(copy);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    }

    /** Swallows the bytes of uni stream types we do not care about. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}

package dev.webtransport.protocol;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.TestCertificates;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Small helpers shared by the protocol-handler tests (real server and client on 127.0.0.1). */
final class ProtocolTestKit {
    /** Upper bound of every single wait in these tests. */
    static final long WAIT_SECONDS = 10;

    private ProtocolTestKit() {
    }

    static WebTransportClient newClient() {
        return WebTransportClient.builder()
                .serverCertificateHash(TestCertificates.development().sha256())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    static <T> T poll(BlockingQueue<T> q) throws InterruptedException {
        T v = q.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(v).as("nothing arrived within %d s", WAIT_SECONDS).isNotNull();
        return v;
    }

    /** Polls a condition every 10 ms for at most 5 s. */
    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Polls until {@code actual} equals {@code expected} (at most 5 s); the failure shows the last value. */
    static <T> void awaitEquals(String what, java.util.function.Supplier<T> actual, T expected)
            throws InterruptedException {
        awaitEquals(what, actual, expected, Duration.ofSeconds(5));
    }

    /** Polls until {@code actual} equals {@code expected} (at most {@code max}); the failure shows the last value. */
    static <T> void awaitEquals(String what, java.util.function.Supplier<T> actual, T expected, Duration max)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        T last = actual.get();
        while (!java.util.Objects.equals(last, expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": expected " + expected + " within " + max + " but was " + last);
            }
            Thread.sleep(10);
            last = actual.get();
        }
    }

    /** Prints the stacks of every Netty I/O thread (diagnostics for a wait that timed out). */
    static void dumpIoThreads(String why) {
        StringBuilder sb = new StringBuilder("I/O thread dump (" + why + "):\n");
        for (java.util.Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
            if (t.getKey().getName().contains("-io")) {
                sb.append(t.getKey().getName()).append(' ').append(t.getKey().getState()).append('\n');
                for (StackTraceElement e : t.getValue()) {
                    sb.append("    at ").append(e).append('\n');
                }
            }
        }
        System.out.println(sb);
    }

    /** Unwraps ExecutionException / CompletionException layers. */
    static Throwable rootOf(Throwable t) {
        while ((t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The failure of a future that must fail within the wait bound. */
    static Throwable failureOf(CompletableFuture<?> f) {
        try {
            f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("future neither completed nor failed within " + WAIT_SECONDS + " s");
        } catch (Exception e) {
            return rootOf(e);
        }
        throw new AssertionError("future completed normally but a failure was expected");
    }

    static int port(java.net.SocketAddress a) {
        return ((InetSocketAddress) a).getPort();
    }

    /** The server-side handler of the connection a client-side handler made (matched by the client's UDP port). */
    static WebTransportProtocolHandler serverSideOf(WebTransportServer server, WebTransportProtocolHandler client)
            throws InterruptedException {
        int clientPort = port(client.quicConnection().localSocketAddress());
        WebTransportProtocolHandler[] found = new WebTransportProtocolHandler[1];
        awaitTrue("server-side handler of client port " + clientPort, () -> {
            for (WebTransportProtocolHandler h : server.connections()) {
                if (h.quicConnection().remoteSocketAddress() != null
                        && port(h.quicConnection().remoteSocketAddress()) == clientPort) {
                    found[0] = h;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** A session handler that records every callback in queues. */
    static class Recorder implements WebTransportSessionHandler {
        final BlockingQueue<WebTransportSession> opened = new LinkedBlockingQueue<>();
        final BlockingQueue<WebTransportBidirectionalStream> bidi = new LinkedBlockingQueue<>();
        final BlockingQueue<WebTransportReceiveStream> uni = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
        final BlockingQueue<WebTransportSession> draining = new LinkedBlockingQueue<>();
        final BlockingQueue<SessionCloseInfo> closes = new LinkedBlockingQueue<>();

        @Override
        public void onOpen(WebTransportSession session) {
            opened.add(session);
        }

        @Override
        public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
            bidi.add(stream);
        }

        @Override
        public void onUnidirectionalStream(WebTransportSession session, WebTransportReceiveStream stream) {
            uni.add(stream);
        }

        @Override
        public void onDatagram(WebTransportSession session, byte[] payload) {
            datagrams.add(payload);
        }

        @Override
        public void onDraining(WebTransportSession session) {
            draining.add(session);
        }

        @Override
        public void onClose(WebTransportSession session, SessionCloseInfo closeInfo) {
            closes.add(closeInfo);
        }
    }

    /**
     * Handler of a raw QUIC stream opened below the WebTransport API: collects the bytes, the FIN and a reset
     * (RESET_STREAM carries its application protocol code).
     */
    static final class RawStream extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> resetCode = new CompletableFuture<>();
        final CompletableFuture<byte[]> finished = new CompletableFuture<>();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        /** The stream, once created. */
        volatile io.netty.handler.codec.quic.QuicStreamChannel channel;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf b) {
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    synchronized (received) {
                        received.writeBytes(bytes);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                synchronized (received) {
                    finished.complete(received.toByteArray());
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof QuicStreamResetException r) {
                resetCode.complete(r.applicationProtocolCode());
            }
        }
    }
}

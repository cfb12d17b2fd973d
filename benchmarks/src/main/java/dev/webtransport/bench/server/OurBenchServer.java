package dev.webtransport.bench.server;

import dev.webtransport.bench.BenchProtocol;
import dev.webtransport.bench.Streams;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.server.ServerCertificate;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.server.tls.DevelopmentCertificate;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/** Our {@link WebTransportServer} serving {@link BenchProtocol} at {@value BenchProtocol#PATH}. */
final class OurBenchServer implements ServerMain.BenchServer {
    private static final String DATAGRAMS = "bench.datagrams";
    private final WebTransportServer server;

    OurBenchServer(DevelopmentCertificate cert, QuicConfiguration quic) {
        WebTransportRouter router = new WebTransportRouter().route(BenchProtocol.PATH, new Handler());
        server = WebTransportServer.builder()
                .host("127.0.0.1")
                .port(0)
                .certificate(ServerCertificate.of(cert.privateKey(), cert.certificate()))
                .quicConfiguration(quic)
                // the multiplexing scenario keeps 1000 streams open on one session (QUIC allows 1100)
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxStreamsPerSession(1100))
                .acceptor(router)
                .build()
                .start();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO).orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
    }

    private static final class Handler implements WebTransportSessionHandler {
        @Override
        public void onOpen(WebTransportSession session) {
            session.attributes().putIfAbsent(DATAGRAMS, new AtomicLong());
        }

        @Override
        public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
            new StreamTask(session, stream).start();
        }

        @Override
        public void onDatagram(WebTransportSession session, byte[] payload) {
            ((AtomicLong) session.attributes().computeIfAbsent(DATAGRAMS, k -> new AtomicLong())).incrementAndGet();
            if (payload.length > 0 && payload[0] == BenchProtocol.DGRAM_PING) {
                session.sendDatagram(payload);
            }
        }
    }

    /** Serves one stream: parse the header, then echo / sink / source / stats. */
    /** Echo bytes a stream may have written but not yet accepted before its reading waits (as the raw server). */
    static final long ECHO_WINDOW = 512 * 1024;

    private static final class StreamTask {
        final WebTransportSession session;
        final WebTransportBidirectionalStream stream;
        final BenchProtocol.HeaderParser header = new BenchProtocol.HeaderParser();
        final CRC32 crc = new CRC32();
        /** Echoed bytes not yet accepted by QUIC. */
        final AtomicLong echoInFlight = new AtomicLong();
        long count;

        StreamTask(WebTransportSession session, WebTransportBidirectionalStream stream) {
            this.session = session;
            this.stream = stream;
        }

        void start() {
            Streams.readLoop(stream, this::onChunk, this::onEnd, e -> stream.reset(1));
        }

        private CompletableFuture<?> onChunk(byte[] chunk) {
            ByteBuffer buf = ByteBuffer.wrap(chunk);
            if (!header.complete()) {
                if (!header.feed(buf)) {
                    return null;
                }
                switch (header.mode()) {
                    case BenchProtocol.DOWNLOAD:
                        Streams.writePattern(stream::write, null, header.argument(), 8, true);
                        break;
                    case BenchProtocol.STATS:
                        AtomicLong n = (AtomicLong) session.attributes().get(DATAGRAMS);
                        stream.write(ByteBuffer.allocate(8).putLong(n == null ? 0 : n.get()).array(), true);
                        break;
                    default:
                        break;
                }
                if (!buf.hasRemaining()) {
                    return null;
                }
            }
            switch (header.mode()) {
                case BenchProtocol.ECHO: {
                    byte[] rest = buf.position() == 0 ? chunk
                            : java.util.Arrays.copyOfRange(chunk, buf.position(), chunk.length);
                    // pipelined like the raw QUIC echo: wait for our writes only past a window
                    echoInFlight.addAndGet(rest.length);
                    CompletableFuture<Void> w = stream.write(rest);
                    w.whenComplete((v, e) -> echoInFlight.addAndGet(-rest.length));
                    return echoInFlight.get() > ECHO_WINDOW ? w : null;
                }
                case BenchProtocol.UPLOAD:
                    count += buf.remaining();
                    crc.update(buf);
                    return null;
                default:
                    return null;
            }
        }

        private void onEnd() {
            if (!header.complete()) {
                stream.end();
                return;
            }
            switch (header.mode()) {
                case BenchProtocol.ECHO:
                    stream.end();
                    break;
                case BenchProtocol.UPLOAD:
                    stream.write(BenchProtocol.uploadAnswer(count, crc.getValue()), true);
                    break;
                default:
                    break; // DOWNLOAD and STATS end their side themselves
            }
        }
    }
}

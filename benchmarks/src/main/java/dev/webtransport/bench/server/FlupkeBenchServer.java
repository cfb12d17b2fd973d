package dev.webtransport.bench.server;

import dev.webtransport.bench.BenchProtocol;
import dev.webtransport.server.tls.DevelopmentCertificate;
import tech.kwik.core.log.BaseLogger;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;
import tech.kwik.flupke.server.Http3ApplicationProtocolFactory;
import tech.kwik.flupke.server.Http3ServerConnection;
import tech.kwik.flupke.server.Http3ServerExtension;
import tech.kwik.flupke.server.Http3ServerExtensionFactory;
import tech.kwik.flupke.webtransport.Session;
import tech.kwik.flupke.webtransport.WebTransportStream;
import tech.kwik.flupke.webtransport.impl.WebTransportExtensionFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * Flupke 0.9.4's own WebTransport server (kwik 0.10.8) serving {@link BenchProtocol} at {@value BenchProtocol#PATH},
 * adapted from our test fixture {@code FlupkeWebTransportServer}: Flupke's SETTINGS plus the Chromium-style extras
 * ({@code 0x2b603742=1, 0xc671706a=1, 0x33=1}); no datagram answers (Flupke has no WebTransport datagram API). Windows are set to
 * our server's defaults (4 MiB per stream, 16 MiB per connection) and 1100 concurrent peer bidi streams, so the
 * comparison is not skewed by flow-control limits. Blocking I/O, one thread per stream (Flupke's model).
 */
final class FlupkeBenchServer implements ServerMain.BenchServer {
    private static final int STREAM_WINDOW = 4 * 1024 * 1024;
    private static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    private static final int MAX_STREAMS = 1100;
    /**
     * Extra SETTINGS exactly as in the fixture: draft-02 and draft-07 WebTransport and H3_DATAGRAM (with the QUIC
     * datagram extension on; Flupke never answers datagrams, so no datagram scenario runs against it).
     */
    private static final Map<Long, Long> EXTRA_SETTINGS = Map.of(0x2b603742L, 1L, 0xc671706aL, 1L, 0x33L, 1L);

    private static final ScheduledExecutorService NUDGER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kwik-nudge");
        t.setDaemon(true);
        return t;
    });

    private final ServerConnector connector;
    private final ExecutorService executor;
    private final int port;

    FlupkeBenchServer(DevelopmentCertificate cert) throws Exception {
        char[] password = "flupke".toCharArray();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry("server", cert.privateKey(), password, new Certificate[]{cert.certificate()});

        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "flupke-bench");
            t.setDaemon(true);
            return t;
        });
        WebTransportExtensionFactory webTransport = new WebTransportExtensionFactory();
        webTransport.setExecutor(executor);
        Http3ServerExtensionFactory extension = new Http3ServerExtensionFactory() {
            @Override
            public Http3ServerExtension createExtension(Http3ServerConnection connection) {
                return webTransport.createExtension(connection);
            }

            @Override
            public Map<Long, Long> getExtensionSettings() {
                Map<Long, Long> all = new LinkedHashMap<>(webTransport.getExtensionSettings());
                all.putAll(EXTRA_SETTINGS);
                return all;
            }
        };
        Http3ApplicationProtocolFactory h3 = new Http3ApplicationProtocolFactory(
                (request, response) -> {
                    if (!"CONNECT".equals(request.method())) {
                        response.setStatus(404);
                    }
                },
                Map.of("webtransport", extension), executor) {
            @Override
            public int maxConcurrentPeerInitiatedUnidirectionalStreams() {
                return 100;
            }

            @Override
            public long maxTotalPeerInitiatedUnidirectionalStreams() {
                return Long.MAX_VALUE;
            }

            @Override
            public int maxConcurrentPeerInitiatedBidirectionalStreams() {
                return MAX_STREAMS;
            }

            @Override
            public long maxUnidirectionalStreamReceiverBufferSize() {
                return STREAM_WINDOW;
            }

            @Override
            public boolean enableDatagramExtension() {
                return true;
            }
        };
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        connector = ServerConnector.builder()
                .withSocket(socket)
                .withKeyStore(keyStore, "server", password, "secp256r1")
                .withConfiguration(ServerConnectionConfig.builder()
                        .maxIdleTimeoutInSeconds(30)
                        .maxUnidirectionalStreamBufferSize(STREAM_WINDOW)
                        .maxBidirectionalStreamBufferSize(STREAM_WINDOW)
                        .maxConnectionBufferSize(CONNECTION_WINDOW)
                        .maxOpenPeerInitiatedUnidirectionalStreams(100)
                        .maxOpenPeerInitiatedBidirectionalStreams(MAX_STREAMS)
                        .retryRequired(ServerConnectionConfig.RetryRequired.Never)
                        .connectionIdLength(8)
                        .build())
                .withLogger(new QuietLogger())
                .build();
        connector.registerApplicationProtocol("h3", h3);
        port = socket.getLocalPort();
        webTransport.registerWebTransportServer(BenchProtocol.PATH, this::onSession);
        connector.start();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            connector.close();
        } finally {
            executor.shutdownNow();
        }
    }

    private void onSession(Session session) {
        session.setBidirectionalStreamReceiveHandler(stream -> executor.execute(() -> serve(stream)));
        session.setUnidirectionalStreamReceiveHandler(stream -> {
        });
        try {
            session.open();
        } catch (IllegalStateException e) {
            // closed by the client before it was opened
        }
    }

    private static void serve(WebTransportStream stream) {
        try (InputStream in = stream.getInputStream(); OutputStream out = stream.getOutputStream()) {
            byte[] header = in.readNBytes(BenchProtocol.HEADER_LENGTH);
            if (header.length < BenchProtocol.HEADER_LENGTH) {
                out.close();
                return;
            }
            long argument = ByteBuffer.wrap(header, 1, 8).getLong();
            switch (header[0]) {
                case BenchProtocol.ECHO: {
                    byte[] buffer = new byte[16 * 1024];
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                    break;
                }
                case BenchProtocol.UPLOAD: {
                    CRC32 crc = new CRC32();
                    long count = 0;
                    byte[] buffer = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        crc.update(buffer, 0, n);
                        count += n;
                    }
                    out.write(BenchProtocol.uploadAnswer(count, crc.getValue()));
                    break;
                }
                case BenchProtocol.DOWNLOAD: {
                    for (long o = 0; o < argument; o += BenchProtocol.CHUNK) {
                        int len = (int) Math.min(BenchProtocol.CHUNK, argument - o);
                        out.write(BenchProtocol.chunk(o, len));
                    }
                    break;
                }
                case BenchProtocol.STATS:
                    out.write(new byte[8]);
                    break;
                default:
                    break;
            }
            out.close();
            keepSending(out);
        } catch (Exception e) {
            // stream reset or connection gone: nothing to serve any more
        }
    }

    /**
     * Same workaround as our test fixture's {@code FlupkeWebTransportClient.keepSending}: kwik 0.10.8 can lose the
     * wake-up of its sender after the final {@code close()}, leaving the last bytes and FIN unsent. Re-invoke kwik's
     * private {@code scheduleSendStreamFrameRequest} every 20 ms (at most 60 s) until the final frame was sent.
     */
    static void keepSending(OutputStream out) {
        Method schedule;
        try {
            schedule = out.getClass().getDeclaredMethod("scheduleSendStreamFrameRequest", boolean.class);
            schedule.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        NUDGER.schedule(() -> nudge(out, schedule, deadline), 20, TimeUnit.MILLISECONDS);
    }

    private static void nudge(OutputStream out, Method schedule, long deadline) {
        if (outputFinished(out) || System.nanoTime() - deadline > 0) {
            return;
        }
        try {
            schedule.invoke(out, true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return;
        }
        NUDGER.schedule(() -> nudge(out, schedule, deadline), 20, TimeUnit.MILLISECONDS);
    }

    private static boolean outputFinished(OutputStream out) {
        try {
            if (Boolean.TRUE.equals(field(out, "aborted"))) {
                return true;
            }
            return Boolean.TRUE.equals(field(field(out, "quicStream"), "outputClosed"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> c = target.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // superclass
            }
        }
        throw new NoSuchFieldException(name);
    }

    /** Kwik logging off except errors (to stderr), so the control channel on stdout stays clean. */
    private static final class QuietLogger extends BaseLogger {
        QuietLogger() {
            logWarning(false);
        }

        @Override
        protected void log(String message) {
            if (message.contains("Error: ")) {
                System.err.println("[kwik] " + message);
            }
        }

        @Override
        protected void log(String message, Throwable ex) {
            System.err.println("[kwik] " + message + ": " + ex);
        }

        @Override
        protected void logWithHexDump(String message, byte[] data, int length) {
        }

        @Override
        protected void logWithHexDump(String message, ByteBuffer data, int offset, int length) {
        }
    }
}

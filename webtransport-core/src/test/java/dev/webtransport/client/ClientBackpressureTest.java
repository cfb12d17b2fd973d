package dev.webtransport.client;

import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.webtransport.client.TestServers.await;
import static dev.webtransport.client.TestServers.uri;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code writeChunked} / {@code read} / {@code readAll} with backpressure in both directions: a reader that does not
 * read holds the writer back through QUIC flow control (4 MiB stream windows, 1 MiB engine receive buffer), and the
 * write completes once reading starts, every byte verified.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientBackpressureTest {
    static final int UPLOAD = 32 * 1024 * 1024;
    static final int DOWNLOAD = 8 * 1024 * 1024;
    static final int CHUNK = 64 * 1024;
    static final long READ_DELAY_MS = 2000;
    static final Executor LATER = CompletableFuture.delayedExecutor(READ_DELAY_MS, TimeUnit.MILLISECONDS);

    static WebTransportServer server;
    static WebTransportClient client;
    /** Server side of the upload: bytes received before it started reading, and when it started. */
    static final AtomicLong receivedBeforeReading = new AtomicLong(-1);
    static final AtomicLong readingStartedNanos = new AtomicLong();
    /** Server side of the download: its write future. */
    static final BlockingQueue<CompletableFuture<Long>> serverWrites = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        WebTransportRouter router = new WebTransportRouter()
                .route("/slow-reader", new WebTransportSessionHandler() {
                    @Override
                    public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                        // Do not read for 2 s, then hash chunk by chunk and answer "<sha256 hex> <length>".
                        LATER.execute(() -> {
                            receivedBeforeReading.set(stream.info().bytesReceived());
                            readingStartedNanos.set(System.nanoTime());
                            try {
                                hashAndAnswer(stream, MessageDigest.getInstance("SHA-256"), 0);
                            } catch (Exception e) {
                                stream.reset(1);
                            }
                        });
                    }
                })
                .route("/download", new WebTransportSessionHandler() {
                    @Override
                    public void onBidirectionalStream(WebTransportSession session, WebTransportBidirectionalStream stream) {
                        stream.readAll().thenAccept(request -> {
                            int n = Integer.parseInt(new String(request, StandardCharsets.UTF_8));
                            serverWrites.add(stream.writeChunked(pattern(n), CHUNK, true));
                        });
                    }
                });
        server = TestServers.start(router);
        client = TestServers.client(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static void hashAndAnswer(WebTransportBidirectionalStream stream, MessageDigest digest, long total) {
        stream.read().whenComplete((chunk, error) -> {
            if (error != null) {
                stream.reset(2);
            } else if (chunk == null) {
                String answer = HexFormat.of().formatHex(digest.digest()) + " " + total;
                stream.write(answer.getBytes(StandardCharsets.UTF_8), true);
            } else {
                digest.update(chunk);
                hashAndAnswer(stream, digest, total + chunk.length);
            }
        });
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void slowServerReaderHoldsBackTheClientsChunkedWrite() throws Exception {
        byte[] data = pattern(UPLOAD);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)) + " " + UPLOAD;
        WebTransportSession s = await(client.connect(uri(server, "/slow-reader"), new WebTransportSessionHandler() { }));
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> answer = st.readAll(Duration.ofSeconds(25), 1024);
        long t0 = System.nanoTime();
        CompletableFuture<Long> write = st.writeChunked(data, CHUNK, true);

        Thread.sleep(1000);
        assertThat(write).as("flow control must hold the writer while the server does not read").isNotDone();
        long sentAtOneSecond = st.info().bytesSent();
        // 4 MiB stream window + 1 MiB engine receive buffer + window updates: far below the 32 MiB written
        assertThat(sentAtOneSecond).isLessThan(8L * 1024 * 1024);

        assertThat(write.get(25, TimeUnit.SECONDS)).isEqualTo(UPLOAD);
        long doneNanos = System.nanoTime();
        assertThat(readingStartedNanos.get()).isGreaterThan(t0);
        assertThat(doneNanos).as("the write completes only after the server started reading")
                .isGreaterThan(readingStartedNanos.get());
        assertThat(receivedBeforeReading.get()).as("server-side buffering while not reading")
                .isLessThan(8L * 1024 * 1024);
        assertThat(new String(answer.get(25, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo(expected);
        System.out.printf("backpressure upload: %d bytes accepted after 1 s, %d buffered by the server before it read,"
                        + " done %d ms after the server started reading%n", sentAtOneSecond, receivedBeforeReading.get(),
                TimeUnit.NANOSECONDS.toMillis(doneNanos - readingStartedNanos.get()));
        await(s.close());
    }

    @Test
    void slowClientReaderHoldsBackTheServersChunkedWrite() throws Exception {
        serverWrites.clear();
        WebTransportSession s = await(client.connect(uri(server, "/download"), new WebTransportSessionHandler() { }));
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        await(st.write(String.valueOf(DOWNLOAD).getBytes(StandardCharsets.UTF_8), true));
        CompletableFuture<Long> serverWrite = serverWrites.poll(10, TimeUnit.SECONDS);
        assertThat(serverWrite).isNotNull();

        Thread.sleep(1000); // the client does not read
        assertThat(serverWrite).as("flow control must hold the server's writer").isNotDone();

        WebTransportReceiveStream in = st;
        byte[] got = await(in.readAll(Duration.ofSeconds(20), DOWNLOAD));
        assertThat(got).isEqualTo(pattern(DOWNLOAD));
        assertThat(serverWrite.get(10, TimeUnit.SECONDS)).isEqualTo(DOWNLOAD);
        await(s.close());
    }
}

package dev.webtransport.client;

import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportReceiveStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.webtransport.client.TestServers.await;
import static dev.webtransport.client.TestServers.uri;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two sessions sharing one QUIC connection with session flow control on: one floods the server on several streams,
 * the other does small request-response round trips. The interactive session must keep working and its round trip
 * must stay within a small multiple of its unloaded value measured in the same run (the figures are printed).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionFairnessTest {
    static final int ROUND_TRIPS = 200;
    static final int FLOOD_STREAMS = 4;
    static final AtomicLong sunk = new AtomicLong();
    static WebTransportServer server;

    @BeforeAll
    static void start() {
        WebTransportRouter router = new WebTransportRouter()
                .route("/echo", new EchoHandler())
                .route("/discard", new WebTransportSessionHandler() {
                    @Override
                    public void onBidirectionalStream(WebTransportSession s, WebTransportBidirectionalStream st) {
                        discard(st);
                    }
                });
        server = WebTransportServer.builder().host("127.0.0.1").port(0).certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(2)
                        .withFlowControl(FlowControlConfig.limited(256 * 1024, 1024 * 1024, 100, 100)))
                .acceptor(router).build().start();
    }

    static void discard(WebTransportReceiveStream in) {
        in.read().thenAccept(chunk -> {
            if (chunk != null) {
                sunk.addAndGet(chunk.length);
                discard(in);
            }
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Round-trip times in microseconds of {@code n} sequential 64-byte echoes on one stream, sorted. */
    static long[] roundTrips(WebTransportSession s, int n) throws Exception {
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        byte[] ping = new byte[64];
        long[] micros = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            st.write(ping).get(10, TimeUnit.SECONDS);
            int got = 0;
            while (got < ping.length) {
                byte[] back = st.read().get(10, TimeUnit.SECONDS);
                assertThat(back).as("echo ended early").isNotNull();
                got += back.length;
            }
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        await(st.end());
        Arrays.sort(micros);
        return micros;
    }

    static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    @Test
    void aFloodingSessionDoesNotStarveAnInteractiveOneOnTheSameConnection() throws Exception {
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).build()) {
            WebTransportSession interactive = await(client.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
            WebTransportSession flooding = await(client.connect(uri(server, "/discard"), new WebTransportSessionHandler() { }));
            assertThat(client.connections()).as("both sessions share one connection").hasSize(1)
                    .allSatisfy(h -> assertThat(h.isFlowControlEnabled()).isTrue());

            roundTrips(interactive, 50); // warm-up
            long[] unloaded = roundTrips(interactive, ROUND_TRIPS);

            AtomicBoolean flood = new AtomicBoolean(true);
            List<CompletableFuture<Void>> floods = new ArrayList<>();
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < FLOOD_STREAMS; i++) {
                WebTransportBidirectionalStream st = await(flooding.openBidirectionalStream());
                floods.add(CompletableFuture.runAsync(() -> {
                    try {
                        while (flood.get()) {
                            st.write(chunk).get(30, TimeUnit.SECONDS);
                        }
                        st.end().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            long sunkBefore = sunk.get();
            long floodStart = System.nanoTime();
            Thread.sleep(300); // let the flood fill the pipes
            long[] loaded;
            long floodBytes;
            double floodSeconds;
            try {
                loaded = roundTrips(interactive, ROUND_TRIPS);
            } finally {
                floodBytes = sunk.get() - sunkBefore;
                floodSeconds = (System.nanoTime() - floodStart) / 1e9;
                flood.set(false);
            }
            for (CompletableFuture<Void> f : floods) {
                f.get(30, TimeUnit.SECONDS);
            }
            long p50u = percentile(unloaded, 0.5);
            long p50l = percentile(loaded, 0.5);
            System.out.printf("session fairness: interactive 64 B round trip unloaded p50 %d us p90 %d us; with %d "
                            + "flooding streams on the other session (%.1f MB/s sunk) p50 %d us p90 %d us max %d us "
                            + "(p50 ratio %.1f); flooding session blocked %d times%n",
                    p50u, percentile(unloaded, 0.9), FLOOD_STREAMS, floodBytes / floodSeconds / 1e6, p50l,
                    percentile(loaded, 0.9), loaded[loaded.length - 1], (double) p50l / Math.max(1, p50u),
                    client.stats().dataBlocked());
            assertThat(floodBytes).as("the flood ran").isGreaterThan(1024 * 1024);
            // a generous bound on a shared, noisy machine: the point is "within a small multiple", not a speed
            assertThat(p50l).as("loaded p50 (us) against unloaded p50 %d us", p50u).isLessThan(20 * p50u + 20_000);
            assertThat(interactive.isOpen()).isTrue();
            assertThat(flooding.isOpen()).isTrue();
            assertThat(client.stats().flowControlErrors()).isZero();
            assertThat(server.stats().flowControlErrors()).isZero();
        }
    }
}

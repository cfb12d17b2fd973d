package dev.webtransport.client;

import dev.webtransport.protocol.DatagramException;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.webtransport.client.TestServers.await;
import static dev.webtransport.client.TestServers.uri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Datagrams between our client and our server: 1000 per session on two sessions sharing one QUIC connection, so the
 * session-id prefix decides which session each echo reaches; loss is counted; the size limit is enforced.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientDatagramTest {
    static final int COUNT = 1000;
    static final int BATCH = 25;
    static WebTransportServer server;
    static WebTransportClient client;

    @BeforeAll
    static void start() {
        server = TestServers.start(0, 4, new WebTransportRouter().route("/echo", new EchoHandler()));
        client = TestServers.client(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    /** Collects the datagrams one session receives: distinct payloads, plus anything unexpected or repeated. */
    static final class Collector implements WebTransportSessionHandler {
        final String prefix;
        final Set<String> distinct = ConcurrentHashMap.newKeySet();
        final List<String> unexpected = new CopyOnWriteArrayList<>();
        final AtomicInteger duplicates = new AtomicInteger();
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();

        Collector(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public void onDatagram(WebTransportSession session, byte[] payload) {
            String d = new String(payload, StandardCharsets.UTF_8);
            received.add(d);
            if (prefix == null) {
                return;
            }
            if (!d.startsWith(prefix)) {
                unexpected.add(d);
            } else if (!distinct.add(d)) {
                duplicates.incrementAndGet();
            }
        }
    }

    @Test
    void thousandDatagramsPerSessionReachOnlyTheirOwnSessionOnASharedConnection() throws Exception {
        Collector a = new Collector("A-");
        Collector b = new Collector("B-");
        WebTransportSession sa = await(client.connect(uri(server, "/echo"), a));
        WebTransportSession sb = await(client.connect(uri(server, "/echo"), b));
        assertThat(client.connections()).hasSize(1);
        assertThat(sa.sessionId()).isNotEqualTo(sb.sessionId());

        // Interleave both sessions in windows of BATCH each; before the next window wait (briefly) for the echoes,
        // so loss measures the path and not how fast a burst overruns the loopback socket buffers.
        for (int i = 0; i < COUNT; i += BATCH) {
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (int j = i; j < i + BATCH; j++) {
                sends.add(sa.sendDatagram(("A-" + j).getBytes(StandardCharsets.UTF_8)));
                sends.add(sb.sendDatagram(("B-" + j).getBytes(StandardCharsets.UTF_8)));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            while ((a.distinct.size() < i + BATCH || b.distinct.size() < i + BATCH) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while ((a.distinct.size() < COUNT || b.distinct.size() < COUNT) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        int lostA = COUNT - a.distinct.size();
        int lostB = COUNT - b.distinct.size();
        var c = client.stats();
        var srv = server.stats();
        System.out.printf("datagram echo: session A lost %d of %d, session B lost %d of %d (client sent %d, server"
                        + " received %d, dropped %d, sent %d; client received %d, dropped %d)%n", lostA, COUNT, lostB,
                COUNT, c.datagramsSent(), srv.datagramsReceived(), srv.datagramsDropped(), srv.datagramsSent(),
                c.datagramsReceived(), c.datagramsDropped());
        // The session-id prefix routes every echo to its own session: nothing foreign, nothing twice.
        assertThat(a.unexpected).as("datagrams of B delivered to A").isEmpty();
        assertThat(b.unexpected).as("datagrams of A delivered to B").isEmpty();
        assertThat(a.duplicates.get() + b.duplicates.get()).isZero();
        assertThat(a.distinct).allSatisfy(d -> assertThat(Integer.parseInt(d.substring(2))).isBetween(0, COUNT - 1));
        assertThat(b.distinct).allSatisfy(d -> assertThat(Integer.parseInt(d.substring(2))).isBetween(0, COUNT - 1));
        // Datagrams are unreliable: loss is counted (printed above), only a gross failure is an error.
        assertThat(lostA).isLessThanOrEqualTo(COUNT / 4);
        assertThat(lostB).isLessThanOrEqualTo(COUNT / 4);
        await(sa.close());
        await(sb.close());
    }

    @Test
    void maximumDatagramSizeIsRespectedAndOversizeFailsClearly() throws Exception {
        Collector c = new Collector(null);
        WebTransportSession s = await(client.connect(uri(server, "/echo"), c));
        int max = s.maxDatagramSize();
        assertThat(max).isGreaterThan(1000).isLessThan(1452);
        byte[] exact = new byte[max];
        java.util.Arrays.fill(exact, (byte) 'x');
        String echoed = null;
        for (int attempt = 0; attempt < 3 && echoed == null; attempt++) { // a datagram may be lost: try a few times
            await(s.sendDatagram(exact));
            echoed = c.received.poll(2, TimeUnit.SECONDS);
        }
        assertThat(echoed).isNotNull();
        assertThat(echoed).hasSize(max);

        byte[] tooBig = new byte[max + 1];
        assertThatThrownBy(() -> await(s.sendDatagram(tooBig)))
                .hasCauseInstanceOf(DatagramException.class)
                .hasMessageContaining("exceeds the maximum of " + max + " bytes");
        await(s.close());
    }
}

package dev.webtransport.reliability;

import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import dev.webtransport.testing.EchoHandler;
import dev.webtransport.testing.TestCertificates;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soak: sessions opened, echoed and closed continuously for {@code -Dwt.soak.minutes} (default 5), reporting heap
 * and RSS at start and end. Runs only with {@code mvn -B -Psoak -pl webtransport-core test}, in a JVM capped at
 * 384 MiB of heap so that a leak fails with an OutOfMemoryError rather than hiding in a large heap.
 */
@Tag("soak")
class ChurnSoakTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void sessionsChurnWithoutGrowth() throws Exception {
        long minutes = Long.getLong("wt.soak.minutes", 5);
        try (WebTransportServer server = WebTransportServer.builder().host("127.0.0.1").port(0)
                .certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(8))
                .acceptor(new WebTransportRouter().route("/echo", new StatelessEcho())).build().start();
             WebTransportClient client = WebTransportClient.builder()
                     .serverCertificateHash(TestCertificates.development().sha256()).build()) {
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/echo");
            churn(client, uri, Duration.ofSeconds(20));
            long heapStart = heap();
            long rssStart = rss();
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
            long rounds = 0;
            while (System.nanoTime() < end) {
                rounds += churn(client, uri, Duration.ofSeconds(10));
            }
            IdleClientCleanupTest.awaitTrue(() -> server.sessions().isEmpty(), 30);
            Thread.sleep(1000);
            long heapEnd = heap();
            long rssEnd = rss();
            System.out.printf("soak: %d sessions in %d min; heap %d -> %d MiB; RSS %d -> %d MiB; server counters %s%n",
                    rounds, minutes, heapStart >> 20, heapEnd >> 20, rssStart >> 20, rssEnd >> 20, server.stats());
            IdleClientCleanupTest.awaitTrue(() -> server.sessions().isEmpty(), 30);
            assertThat(heapEnd - heapStart).as("heap growth").isLessThan(64L << 20);
        }
    }

    /** Echo that keeps no record of sessions (the shared test EchoHandler queues every session it sees). */
    static final class StatelessEcho implements WebTransportSessionHandler {
        @Override
        public void onBidirectionalStream(WebTransportSession session,
                                          dev.webtransport.session.WebTransportBidirectionalStream stream) {
            EchoHandler.pump(stream, stream);
        }
    }

    private static long churn(WebTransportClient client, URI uri, Duration duration) throws Exception {
        long n = 0;
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            List<CompletableFuture<Void>> round = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                byte[] payload = ("soak-" + i).getBytes();
                round.add(client.connect(uri, new WebTransportSessionHandler() { }).thenCompose(s ->
                        s.openBidirectionalStream().thenCompose(st -> {
                            CompletableFuture<byte[]> back = st.readAll();
                            return st.write(payload, true).thenCompose(v -> back);
                        }).thenCompose(b -> {
                            if (!Arrays.equals(b, payload)) {
                                throw new AssertionError("echo mismatch");
                            }
                            return s.close();
                        })));
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            n += round.size();
        }
        return n;
    }

    /** Live heap: forces the same full collection as {@code jmap -histo:live}, then reads the used heap. */
    private static long heap() throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        server.invoke(new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}

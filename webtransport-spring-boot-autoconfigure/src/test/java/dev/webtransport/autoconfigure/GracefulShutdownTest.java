package dev.webtransport.autoconfigure;

import dev.webtransport.autoconfigure.annotation.OnBidirectionalStream;
import dev.webtransport.autoconfigure.annotation.WebTransportEndpoint;
import dev.webtransport.client.WebTransportClient;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.SessionCloseInfo;
import dev.webtransport.session.WebTransportBidirectionalStream;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing the application while a session is open: the client is told to drain, a stream in flight finishes inside
 * the drain timeout, then the session is closed with the documented shutdown code and the context stops.
 */
class GracefulShutdownTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(SlowEndpoint.class)
    static class App {
    }

    /** Answers each stream after 1.5 s. */
    @WebTransportEndpoint("/slow")
    static class SlowEndpoint {
        @OnBidirectionalStream
        String slow(String body) throws InterruptedException {
            Thread.sleep(1500);
            return "done:" + body;
        }
    }

    @Test
    void drainThenFinishInFlightStreamThenClose() throws Exception {
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties("webtransport.server.port=0", "webtransport.server.host=127.0.0.1",
                        "webtransport.server.shutdown.drain-timeout=3s")
                .run();
        int port = ctx.getEnvironment().getProperty("local.webtransport.server.port", Integer.class);
        byte[] hash = ctx.getBean(WebTransportCertificate.class).sha256();
        CountDownLatch draining = new CountDownLatch(1);
        try (WebTransportClient client = WebTransportClient.builder().serverCertificateHash(hash).build()) {
            WebTransportSession s = client.connect(URI.create("https://127.0.0.1:" + port + "/slow"),
                    new WebTransportSessionHandler() {
                        @Override
                        public void onDraining(WebTransportSession session) {
                            draining.countDown();
                        }
                    }).get(10, TimeUnit.SECONDS);
            WebTransportBidirectionalStream stream = s.openBidirectionalStream().get(5, TimeUnit.SECONDS);
            CompletableFuture<byte[]> reply = stream.readAll();
            stream.write("job".getBytes(), true).get(5, TimeUnit.SECONDS);
            Thread.sleep(200);

            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(ctx::close);
            assertThat(draining.await(2, TimeUnit.SECONDS)).as("DRAIN reached the client").isTrue();
            assertThat(new String(reply.get(5, TimeUnit.SECONDS))).isEqualTo("done:job");
            SessionCloseInfo info = s.closed().get(10, TimeUnit.SECONDS);
            assertThat(info.code()).isEqualTo(WebTransportServer.SHUTDOWN_CLOSE_CODE);
            closing.get(15, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).isBetween(2500L, 10_000L);
            assertThat(ctx.isActive()).isFalse();
        } finally {
            ctx.close();
        }
    }
}

package dev.webtransport.client;

import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.WebTransportProtocolHandler;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportBidirectionalStream;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.webtransport.client.TestServers.await;
import static dev.webtransport.client.TestServers.uri;
import static org.assertj.core.api.Assertions.assertThat;

/** Connection pooling: several sessions per connection when the server allows it, one per connection otherwise. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientPoolingTest {
    static WebTransportServer four;
    static WebTransportServer one;

    @BeforeAll
    static void start() {
        four = TestServers.start(0, 4, new WebTransportRouter().route("/echo", new EchoHandler()));
        one = TestServers.start(0, 1, new WebTransportRouter().route("/echo", new EchoHandler()));
    }

    @AfterAll
    static void stop() {
        four.close();
        one.close();
    }

    static void assertEchoes(WebTransportSession s, String text) throws Exception {
        WebTransportBidirectionalStream st = await(s.openBidirectionalStream());
        CompletableFuture<byte[]> back = st.readAll();
        await(st.write(text.getBytes(StandardCharsets.UTF_8), true));
        assertThat(new String(await(back), StandardCharsets.UTF_8)).isEqualTo(text);
    }

    static List<WebTransportSession> connectConcurrently(WebTransportClient client, WebTransportServer server, int n)
            throws Exception {
        List<CompletableFuture<WebTransportSession>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(client.connect(uri(server, "/echo"), new WebTransportSessionHandler() { }));
        }
        List<WebTransportSession> out = new ArrayList<>();
        for (CompletableFuture<WebTransportSession> f : fs) {
            out.add(await(f));
        }
        return out;
    }

    static Set<Object> quicConnectionsOf(List<WebTransportSession> sessions, WebTransportClient client) {
        Set<Object> ids = new HashSet<>();
        for (WebTransportProtocolHandler h : client.connections()) {
            for (WebTransportSession s : sessions) {
                if (h.session(s.sessionId()) == s) {
                    ids.add(h);
                }
            }
        }
        return ids;
    }

    @Test
    void threeSequentialSessionsShareOneConnectionWhenTheServerAllowsFour() throws Exception {
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).build()) {
            List<WebTransportSession> sessions = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sessions.add(await(client.connect(uri(four, "/echo"), new WebTransportSessionHandler() { })));
            }
            assertThat(client.connections()).hasSize(1);
            assertThat(sessions).extracting(WebTransportSession::sessionId).doesNotHaveDuplicates();
            for (int i = 0; i < sessions.size(); i++) {
                assertEchoes(sessions.get(i), "session " + i);
            }
            assertThat(quicConnectionsOf(sessions, client)).hasSize(1);
        }
    }

    @Test
    void threeConcurrentSessionsShareOneConnectionWhenTheServerAllowsFour() throws Exception {
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).build()) {
            List<WebTransportSession> sessions = connectConcurrently(client, four, 3);
            assertThat(client.connections()).hasSize(1);
            for (int i = 0; i < sessions.size(); i++) {
                assertEchoes(sessions.get(i), "concurrent " + i);
            }
        }
    }

    @Test
    void sixConcurrentSessionsNeedTwoConnectionsWhenTheServerAllowsFour() throws Exception {
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).build()) {
            List<WebTransportSession> sessions = connectConcurrently(client, four, 6);
            assertThat(client.connections()).hasSize(2);
            assertThat(client.connections()).allSatisfy(h -> assertThat(h.sessions().size()).isBetween(1, 4));
            for (int i = 0; i < sessions.size(); i++) {
                assertEchoes(sessions.get(i), "six " + i);
            }
        }
    }

    @Test
    void aFreedSlotIsReused() throws Exception {
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).build()) {
            List<WebTransportSession> sessions = connectConcurrently(client, four, 4);
            assertThat(client.connections()).hasSize(1);
            await(sessions.get(0).close());
            await(sessions.get(0).closed());
            WebTransportSession fifth = await(client.connect(uri(four, "/echo"), new WebTransportSessionHandler() { }));
            assertThat(client.connections()).hasSize(1);
            assertEchoes(fifth, "fifth");
        }
    }

    @Test
    void oneConnectionPerSessionWithTheDefaultLimit() throws Exception {
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).build()) {
            List<WebTransportSession> sessions = connectConcurrently(client, one, 3);
            assertThat(client.connections()).hasSize(3);
            assertThat(client.connections()).allSatisfy(h -> assertThat(h.sessions()).hasSize(1));
            for (int i = 0; i < sessions.size(); i++) {
                assertEchoes(sessions.get(i), "single " + i);
            }
            WebTransportSession fourth = await(client.connect(uri(one, "/echo"), new WebTransportSessionHandler() { }));
            assertThat(client.connections()).hasSize(4);
            assertEchoes(fourth, "fourth");
        }
    }

    @Test
    void aSingleSessionConnectionIsClosedAfterItsSessionEnded() throws Exception {
        ProtocolHandlerConfig d = ProtocolHandlerConfig.defaults();
        ProtocolHandlerConfig quickClose = new ProtocolHandlerConfig(d.maxSessionsPerConnection(), d.maxBufferedStreams(),
                d.bufferedStreamTimeout(), d.streamReceiveBuffer(), d.maxPendingWriteBytes(), d.maxCapsuleLength(),
                d.datagramReceiveQueue(), d.pendingStreamOpens(), d.streamOpenTimeout(), Duration.ofMillis(300));
        try (WebTransportClient client = TestServers.client(Duration.ofSeconds(10)).protocolConfig(quickClose).build()) {
            WebTransportSession s = await(client.connect(uri(one, "/echo"), new WebTransportSessionHandler() { }));
            WebTransportProtocolHandler h = client.connections().get(0);
            assertEchoes(s, "bye soon");
            await(s.close(5, "done"));
            await(h.closeFuture());
            assertThat(client.connections()).isEmpty();
            WebTransportSession next = await(client.connect(uri(one, "/echo"), new WebTransportSessionHandler() { }));
            assertEchoes(next, "new connection");
            assertThat(client.connections()).hasSize(1).doesNotContain(h);
        }
    }
}

package dev.webtransport.client;

import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSessionAcceptor;
import dev.webtransport.testing.TestCertificates;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the client tests: our server on 127.0.0.1 and a client that trusts its certificate. */
final class TestServers {
    private TestServers() {
    }

    static WebTransportServer start(int port, int maxSessions, WebTransportSessionAcceptor acceptor) {
        return WebTransportServer.builder().host("127.0.0.1").port(port).certificate(TestCertificates.server())
                .protocolConfig(ProtocolHandlerConfig.defaults().withMaxSessionsPerConnection(maxSessions))
                .acceptor(acceptor).build().start();
    }

    static WebTransportServer start(WebTransportRouter router) {
        return start(0, 1, router);
    }

    static WebTransportClient.Builder client(Duration connectTimeout) {
        return WebTransportClient.builder()
                .serverCertificateHash(TestCertificates.development().sha256())
                .connectTimeout(connectTimeout);
    }

    static URI uri(WebTransportServer server, String path) {
        return URI.create("https://127.0.0.1:" + server.port() + path);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }
}

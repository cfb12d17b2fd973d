package dev.webtransport.autoconfigure;

import dev.webtransport.autoconfigure.annotation.OnDatagram;
import dev.webtransport.autoconfigure.annotation.WebTransportEndpoint;
import dev.webtransport.autoconfigure.health.WebTransportHealthIndicator;
import dev.webtransport.autoconfigure.metrics.WebTransportMetrics;
import dev.webtransport.autoconfigure.web.WebTransportActuatorEndpoint;
import dev.webtransport.client.WebTransportClient;
import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.protocol.SessionRejectedException;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.server.tls.DevelopmentCertificate;
import dev.webtransport.session.SessionDecision;
import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionAcceptor;
import dev.webtransport.session.WebTransportSessionHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The auto-configuration in isolation: property binding, back-off, conditions and errors. */
class WebTransportAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebTransportAutoConfiguration.class,
                    TaskExecutionAutoConfiguration.class, SslAutoConfiguration.class))
            .withPropertyValues("webtransport.server.port=0");

    @Test
    void defaultsCreateAServerWithADevelopmentCertificate() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).hasSingleBean(WebTransportServer.class).hasSingleBean(WebTransportServerLifecycle.class)
                    .hasSingleBean(WebTransportRouter.class).hasSingleBean(WebTransportHealthIndicator.class)
                    .hasSingleBean(WebTransportMetrics.class);
            WebTransportCertificate cert = ctx.getBean(WebTransportCertificate.class);
            assertThat(cert.development()).isTrue();
            assertThat(cert.leaf().getPublicKey().getAlgorithm()).isEqualTo("EC");
            long span = cert.leaf().getNotAfter().getTime() - cert.leaf().getNotBefore().getTime();
            assertThat(Duration.ofMillis(span)).isLessThanOrEqualTo(Duration.ofDays(14));
            QuicConfiguration quic = ctx.getBean(QuicConfiguration.class);
            assertThat(quic.maxIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(quic.alpnProtocols()).containsExactly("h3");
            assertThat(quic.datagramsEnabled()).isTrue();
            assertThat(ctx.getBean(ProtocolHandlerConfig.class).maxSessionsPerConnection()).isEqualTo(1);
            WebTransportServer server = ctx.getBean(WebTransportServer.class);
            assertThat(server.isRunning()).isTrue();
            assertThat(ctx.getEnvironment().getProperty("local.webtransport.server.port", Integer.class))
                    .isEqualTo(server.port()).isPositive();
        });
    }

    @Test
    void quicDatagramAndLimitPropertiesAreApplied() {
        runner.withPropertyValues("webtransport.server.quic.idle-timeout=5s",
                "webtransport.server.quic.initial-max-data=8MB",
                "webtransport.server.quic.initial-max-stream-data-bidi-local=1MB",
                "webtransport.server.quic.initial-max-stream-data-bidi-remote=2MB",
                "webtransport.server.quic.initial-max-stream-data-uni=3MB",
                "webtransport.server.quic.max-streams-bidi=7", "webtransport.server.quic.max-streams-uni=9",
                "webtransport.server.quic.max-udp-payload-size=1350",
                "webtransport.server.quic.congestion-control=BBR",
                "webtransport.server.datagram.enabled=false", "webtransport.server.datagram.application-queue-length=5",
                "webtransport.server.limits.max-sessions-per-connection=4",
                "webtransport.server.limits.max-buffered-streams=3",
                "webtransport.server.limits.stream-receive-buffer=256KB",
                "webtransport.server.limits.max-pending-write-bytes=2MB",
                "webtransport.server.shutdown.drain-timeout=3s").run(ctx -> {
            QuicConfiguration q = ctx.getBean(QuicConfiguration.class);
            assertThat(q.maxIdleTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(q.initialMaxData()).isEqualTo(8L * 1024 * 1024);
            assertThat(q.initialMaxStreamDataBidiLocal()).isEqualTo(1024L * 1024);
            assertThat(q.initialMaxStreamDataBidiRemote()).isEqualTo(2L * 1024 * 1024);
            assertThat(q.initialMaxStreamDataUni()).isEqualTo(3L * 1024 * 1024);
            assertThat(q.initialMaxStreamsBidi()).isEqualTo(7);
            assertThat(q.initialMaxStreamsUni()).isEqualTo(9);
            assertThat(q.maxUdpPayloadSize()).isEqualTo(1350);
            assertThat(q.congestionControl()).isEqualTo(QuicCongestionControlAlgorithm.BBR);
            assertThat(q.datagramsEnabled()).isFalse();
            ProtocolHandlerConfig p = ctx.getBean(ProtocolHandlerConfig.class);
            assertThat(p.maxSessionsPerConnection()).isEqualTo(4);
            assertThat(p.maxBufferedStreams()).isEqualTo(3);
            assertThat(p.streamReceiveBuffer()).isEqualTo(256 * 1024);
            assertThat(p.maxPendingWriteBytes()).isEqualTo(2L * 1024 * 1024);
            assertThat(p.datagramReceiveQueue()).isEqualTo(5);
        });
    }

    @Test
    void disabledFlagTurnsEverythingOff() {
        runner.withPropertyValues("webtransport.server.enabled=false").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(WebTransportServer.class).doesNotHaveBean(WebTransportCertificate.class)
                    .doesNotHaveBean(WebTransportHealthIndicator.class);
        });
    }

    @Test
    void userBeansMakeTheAutoConfigurationBackOff() {
        runner.withUserConfiguration(UserBeans.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(QuicConfiguration.class).initialMaxStreamsBidi()).isEqualTo(3);
            assertThat(ctx).doesNotHaveBean(WebTransportRouter.class);
            assertThat(ctx.getBean(WebTransportSessionAcceptor.class)).isSameAs(UserBeans.ACCEPTOR);
        });
    }

    @Test
    void productionProfileWithoutCertificateFailsWithAClearMessage() {
        runner.withPropertyValues("spring.profiles.active=prod").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause()
                    .hasMessageContaining("No WebTransport server certificate configured")
                    .hasMessageContaining("webtransport.server.ssl.bundle");
        });
    }

    @Test
    void missingCertificateFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.pem");
        runner.withPropertyValues("webtransport.server.ssl.certificate=" + missing,
                "webtransport.server.ssl.private-key=" + dir.resolve("key.pem")).run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining(missing.toAbsolutePath().toString());
        });
    }

    @Test
    void pemFilesAndSslBundleAreUsed(@TempDir Path dir) {
        DevelopmentCertificate c = DevelopmentCertificate.generateDefault();
        Path cert = c.writeCertificatePem(dir.resolve("cert.pem"));
        Path key = c.writePrivateKeyPem(dir.resolve("key.pem"));
        runner.withPropertyValues("webtransport.server.ssl.certificate=" + cert,
                "webtransport.server.ssl.private-key=" + key).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            WebTransportCertificate wc = ctx.getBean(WebTransportCertificate.class);
            assertThat(wc.development()).isFalse();
            assertThat(wc.sha256Hex()).isEqualTo(c.sha256Hex());
        });
        runner.withPropertyValues("spring.ssl.bundle.pem.wt.keystore.certificate=file:" + cert,
                "spring.ssl.bundle.pem.wt.keystore.private-key=file:" + key,
                "webtransport.server.ssl.bundle=wt").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            WebTransportCertificate wc = ctx.getBean(WebTransportCertificate.class);
            assertThat(wc.development()).isFalse();
            assertThat(wc.sha256Hex()).isEqualTo(c.sha256Hex());
        });
    }

    @Test
    void customizersAreApplied() {
        AtomicBoolean called = new AtomicBoolean();
        runner.withBean(WebTransportServerCustomizer.class, () -> b -> {
            called.set(true);
            b.ioThreads(1);
        }).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(called).isTrue();
        });
    }

    @Test
    void endpointBeansAreRegisteredByPath() {
        runner.withUserConfiguration(EndpointConfig.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(WebTransportEndpointRegistry.class).endpoints()).containsOnlyKeys("/ping/{id}");
        });
    }

    @Test
    void worksWithoutActuatorAndMicrometer() {
        runner.withClassLoader(new FilteredClassLoader(org.springframework.boot.health.contributor.HealthIndicator.class,
                io.micrometer.core.instrument.binder.MeterBinder.class)).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).hasSingleBean(WebTransportServer.class)
                    .doesNotHaveBean(WebTransportHealthIndicator.class).doesNotHaveBean(WebTransportMetrics.class);
        });
    }

    @Test
    void securityPropertiesAreApplied() {
        String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        runner.withPropertyValues("webtransport.server.security.max-sessions=1",
                "webtransport.server.security.address-validation-key=" + key).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(WebTransportServer.class).rejections()).containsKeys(
                    dev.webtransport.server.security.AdmissionControl.Reason.values());
        });
        runner.withPropertyValues("webtransport.server.security.client-auth=required").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause()
                    .hasMessageContaining("webtransport.server.security.trusted-client-certificates");
        });
        runner.withPropertyValues("webtransport.server.security.address-validation-key="
                + java.util.Base64.getEncoder().encodeToString(new byte[8])).run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("at least 32 bytes");
        });
    }

    @Test
    void endpointWithoutHandlerMethodsFailsStartupWithItsName() {
        runner.withBean("emptyEndpoint", EmptyEndpoint.class).run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("emptyEndpoint")
                    .hasMessageContaining("neither implements WebTransportHandler");
        });
    }

    @Test
    void flowControlPropertiesAreApplied() {
        runner.withPropertyValues("webtransport.server.flow-control.initial-max-data=1MB",
                "webtransport.server.flow-control.max-data-window=8MB",
                "webtransport.server.flow-control.initial-max-streams-bidi=16",
                "webtransport.server.flow-control.initial-max-streams-uni=8").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(ProtocolHandlerConfig.class).flowControl())
                    .isEqualTo(FlowControlConfig.limited(1024 * 1024, 8L * 1024 * 1024, 16, 8));
        });
        runner.withPropertyValues("webtransport.server.flow-control.initial-max-data=1MB").run(ctx -> {
            FlowControlConfig fc = ctx.getBean(ProtocolHandlerConfig.class).flowControl();
            assertThat(fc.maxDataWindow()).as("window bound defaults to 16 MiB").isEqualTo(16 * 1024 * 1024);
            assertThat(fc.initialMaxStreamsBidi()).isEqualTo(FlowControlConfig.UNLIMITED_STREAMS);
        });
    }

    @Test
    void flowControlDefaultsToEnabledAndUnlimited() {
        runner.run(ctx -> assertThat(ctx.getBean(ProtocolHandlerConfig.class).flowControl())
                .isEqualTo(FlowControlConfig.unlimited()));
    }

    @Test
    void flowControlCanBeDisabled() {
        runner.withPropertyValues("webtransport.server.flow-control.enabled=false").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            FlowControlConfig fc = ctx.getBean(ProtocolHandlerConfig.class).flowControl();
            assertThat(fc.enabled()).isFalse();
            assertThat(fc).isEqualTo(FlowControlConfig.disabled());
        });
    }

    @Test
    void invalidFlowControlLimitsFailStartupNamingTheProperty() {
        runner.withPropertyValues("webtransport.server.flow-control.initial-max-data=8MB",
                "webtransport.server.flow-control.max-data-window=1MB").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause()
                    .hasMessageContaining("webtransport.server.flow-control.max-data-window")
                    .hasMessageContaining("webtransport.server.flow-control.initial-max-data");
        });
        runner.withPropertyValues("webtransport.server.flow-control.initial-max-streams-uni=0").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause()
                    .hasMessageContaining("webtransport.server.flow-control.initial-max-streams-uni");
        });
    }

    @Test
    void flowControlMetersAndEndpointSectionExist() {
        runner.withPropertyValues("webtransport.server.flow-control.initial-max-data=1MB",
                "webtransport.server.flow-control.initial-max-streams-bidi=16").run(ctx -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ctx.getBean(WebTransportMetrics.class).bindTo(registry);
            for (String side : new String[] {"local", "peer"}) {
                for (String kind : new String[] {"data", "streams"}) {
                    assertThat(registry.get("webtransport.flow.blocked").tags("side", side, "kind", kind)
                            .functionCounter().count()).isZero();
                }
            }
            assertThat(registry.get("webtransport.flow.errors").functionCounter().count()).isZero();

            WebTransportActuatorEndpoint endpoint = new WebTransportActuatorEndpoint(
                    ctx.getBean(WebTransportServer.class), ctx.getBean(WebTransportCertificate.class),
                    ctx.getBean(ProtocolHandlerConfig.class).flowControl());
            Map<String, Object> info = endpoint.info();
            assertThat(info.get("flowControl")).isEqualTo(Map.of("enabled", true, "initialMaxData", 1024L * 1024,
                    "maxDataWindow", 16L * 1024 * 1024, "initialMaxStreamsBidi", 16L,
                    "initialMaxStreamsUni", "unlimited"));
            assertThat(info.get("stats")).asInstanceOf(InstanceOfAssertFactories.MAP).containsKeys("dataBlocked",
                    "streamsBlocked", "peerDataBlocked", "peerStreamsBlocked", "flowControlErrors");
        });
    }

    @Test
    void endpointProtocolsAreNegotiatedWithTheClient() {
        runner.withPropertyValues("webtransport.server.host=127.0.0.1").withUserConfiguration(ChatConfig.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    URI uri = URI.create("https://127.0.0.1:" + ctx.getBean(WebTransportServer.class).port() + "/chat");
                    try (WebTransportClient client = WebTransportClient.builder()
                            .serverCertificateHash(ctx.getBean(WebTransportCertificate.class).sha256()).build()) {
                        WebTransportSession s = client.connect(uri,
                                Map.of("wt-available-protocols", "\"other\", \"chat-v1\", \"chat-v2\""),
                                new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS);
                        assertThat(s.protocol()).as("the client's first supported protocol").isEqualTo("chat-v1");
                        s.close().get(5, TimeUnit.SECONDS);

                        assertThatThrownBy(() -> client.connect(uri, Map.of("wt-available-protocols", "\"v0\""),
                                new WebTransportSessionHandler() { }).get(10, TimeUnit.SECONDS))
                                .cause().isInstanceOf(SessionRejectedException.class)
                                .satisfies(e -> assertThat(((SessionRejectedException) e).status()).isEqualTo(400));
                    }
                });
    }

    @WebTransportEndpoint("/empty")
    static class EmptyEndpoint {
    }

    @Configuration(proxyBeanMethods = false)
    static class ChatConfig {
        @Bean
        ChatEndpoint chatEndpoint() {
            return new ChatEndpoint();
        }
    }

    @WebTransportEndpoint(value = "/chat", protocols = {"chat-v2", "chat-v1"})
    static class ChatEndpoint {
        @OnDatagram
        byte[] echo(byte[] payload) {
            return payload;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {
        static final WebTransportSessionAcceptor ACCEPTOR = r -> new SessionDecision.Reject(404, "none");

        @Bean
        QuicConfiguration myQuic() {
            return dev.webtransport.protocol.WebTransportProtocolUtils.createQuicConfiguration(false)
                    .withInitialMaxStreams(3, 3);
        }

        @Bean
        WebTransportSessionAcceptor myAcceptor() {
            return ACCEPTOR;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class EndpointConfig {
        @Bean
        PingEndpoint pingEndpoint() {
            return new PingEndpoint();
        }
    }

    @WebTransportEndpoint("/ping/{id}")
    static class PingEndpoint {
        @OnDatagram
        byte[] pong(byte[] payload) {
            return payload;
        }
    }
}

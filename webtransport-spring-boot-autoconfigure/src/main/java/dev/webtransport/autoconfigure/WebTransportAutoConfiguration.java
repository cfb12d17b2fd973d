package dev.webtransport.autoconfigure;

import dev.webtransport.autoconfigure.health.WebTransportHealthIndicator;
import dev.webtransport.autoconfigure.metrics.WebTransportMetrics;
import dev.webtransport.autoconfigure.web.WebTransportActuatorEndpoint;
import dev.webtransport.autoconfigure.web.WebTransportInfo;
import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.ProtocolHandlerConfig;
import dev.webtransport.protocol.QuicConfiguration;
import dev.webtransport.protocol.WebTransportProtocolUtils;
import dev.webtransport.server.OriginPolicy;
import dev.webtransport.server.WebTransportRouter;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSessionAcceptor;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * Auto-configuration of the WebTransport server: {@code webtransport.server.*} properties become the QUIC and TLS
 * configuration, {@code @WebTransportEndpoint} beans are routed by path, handlers run on the application task executor,
 * and the server starts and stops with the context. Every bean backs off when the application defines its own;
 * {@code webtransport.server.enabled=false} turns everything off.
 */
@AutoConfiguration(afterName = {"org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration",
        "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration"})
@ConditionalOnClass(WebTransportServer.class)
@ConditionalOnBooleanProperty(name = "webtransport.server.enabled", matchIfMissing = true)
@EnableConfigurationProperties(WebTransportProperties.class)
public class WebTransportAutoConfiguration {
    private static final String FLOW_CONTROL_PREFIX = "webtransport.server.flow-control.";
    /** Auto-scaling bound of the session receive window when only {@code initial-max-data} is set. */
    static final long DEFAULT_MAX_DATA_WINDOW = 16L * 1024 * 1024;

    @Bean
    @ConditionalOnMissingBean
    public WebTransportCertificate webTransportCertificate(WebTransportProperties properties,
                                                           ObjectProvider<SslBundles> sslBundles, Environment environment) {
        return WebTransportCertificateResolver.resolve(properties.getSsl(), sslBundles.getIfAvailable(), environment);
    }

    /** The seed's {@code create_quic_configuration}, from {@code webtransport.server.quic.*} and datagram properties. */
    @Bean
    @ConditionalOnMissingBean
    public QuicConfiguration webTransportQuicConfiguration(WebTransportProperties properties) {
        WebTransportProperties.Quic q = properties.getQuic();
        WebTransportProperties.Datagram d = properties.getDatagram();
        QuicConfiguration defaults = WebTransportProtocolUtils.createQuicConfiguration(false);
        return new QuicConfiguration(false, q.getIdleTimeout(), q.getInitialMaxData().toBytes(),
                q.getInitialMaxStreamDataBidiLocal().toBytes(), q.getInitialMaxStreamDataBidiRemote().toBytes(),
                q.getInitialMaxStreamDataUni().toBytes(), q.getMaxStreamsBidi(), q.getMaxStreamsUni(),
                q.getMaxUdpPayloadSize(), q.getCongestionControl(), d.isEnabled(), d.getReceiveQueueLength(),
                d.getSendQueueLength(), defaults.alpnProtocols());
    }

    @Bean
    @ConditionalOnMissingBean
    public ProtocolHandlerConfig webTransportProtocolHandlerConfig(WebTransportProperties properties) {
        WebTransportProperties.Limits l = properties.getLimits();
        ProtocolHandlerConfig d = ProtocolHandlerConfig.defaults();
        return new ProtocolHandlerConfig(l.getMaxSessionsPerConnection(), l.getMaxBufferedStreams(),
                d.bufferedStreamTimeout(), Math.toIntExact(l.getStreamReceiveBuffer().toBytes()),
                l.getMaxPendingWriteBytes().toBytes(), Math.toIntExact(l.getMaxCapsuleSize().toBytes()),
                properties.getDatagram().getApplicationQueueLength(), d.pendingStreamOpens(), d.streamOpenTimeout(),
                d.closeTimeout(), l.getMaxStreamsPerSession(), flowControlConfig(properties.getFlowControl()));
    }

    /**
     * {@code webtransport.server.flow-control.*} as a {@link FlowControlConfig}: unset limits are unlimited and an unset
     * window bound is 16 MiB (or the initial data limit when that is larger). Out-of-range values fail startup naming the property.
     */
    static FlowControlConfig flowControlConfig(WebTransportProperties.FlowControl fc) {
        long data = fc.getInitialMaxData() == null ? FlowControlConfig.UNLIMITED_DATA : fc.getInitialMaxData().toBytes();
        long window = fc.getMaxDataWindow() != null ? fc.getMaxDataWindow().toBytes()
                : Math.max(data, DEFAULT_MAX_DATA_WINDOW);
        long bidi = fc.getInitialMaxStreamsBidi() == null ? FlowControlConfig.UNLIMITED_STREAMS
                : fc.getInitialMaxStreamsBidi();
        long uni = fc.getInitialMaxStreamsUni() == null ? FlowControlConfig.UNLIMITED_STREAMS
                : fc.getInitialMaxStreamsUni();
        requireInRange("initial-max-data", data, FlowControlConfig.UNLIMITED_DATA, "bytes");
        requireInRange("max-data-window", window, FlowControlConfig.UNLIMITED_DATA, "bytes");
        requireInRange("initial-max-streams-bidi", bidi, FlowControlConfig.UNLIMITED_STREAMS, "streams");
        requireInRange("initial-max-streams-uni", uni, FlowControlConfig.UNLIMITED_STREAMS, "streams");
        if (window < data) {
            throw new IllegalStateException(FLOW_CONTROL_PREFIX + "max-data-window (" + window + " bytes) must not be "
                    + "smaller than " + FLOW_CONTROL_PREFIX + "initial-max-data ("
                    + (fc.getInitialMaxData() == null ? "unset, so unlimited" : data + " bytes") + ")");
        }
        try {
            return new FlowControlConfig(fc.isEnabled(), data, window, bidi, uni);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(FLOW_CONTROL_PREFIX + "*: " + e.getMessage(), e);
        }
    }

    private static void requireInRange(String property, long value, long max, String unit) {
        if (value < 1 || value > max) {
            throw new IllegalStateException(FLOW_CONTROL_PREFIX + property + " must be between 1 and " + max + " "
                    + unit + " (leave it unset for unlimited), but is " + value);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    public WebTransportEndpointRegistry webTransportEndpointRegistry(ApplicationContext context) {
        return new WebTransportEndpointRegistry(context);
    }

    @Bean
    @ConditionalOnMissingBean(WebTransportSessionAcceptor.class)
    public WebTransportRouter webTransportRouter(WebTransportEndpointRegistry registry, WebTransportProperties properties,
                                                 ObjectProvider<WebTransportSessionInterceptor> interceptors,
                                                 ApplicationEventPublisher events) {
        List<String> origins = properties.getAllowedOrigins();
        OriginPolicy policy = origins.isEmpty() ? OriginPolicy.sameOrigin() : OriginPolicy.allow(origins);
        return registry.router(policy, interceptors.orderedStream().toList(), events);
    }

    @Bean
    @ConditionalOnMissingBean
    public WebTransportServer webTransportServer(WebTransportProperties properties, WebTransportCertificate certificate,
                                                 QuicConfiguration quic, ProtocolHandlerConfig protocolConfig,
                                                 WebTransportSessionAcceptor acceptor,
                                                 @Qualifier("applicationTaskExecutor") ObjectProvider<Executor> executor,
                                                 ObjectProvider<WebTransportServerCustomizer> customizers) {
        WebTransportServer.Builder builder = WebTransportServer.builder()
                .host(properties.getHost())
                .port(properties.getPort())
                .ioThreads(properties.getIoThreads())
                .certificate(certificate.serverCertificate())
                .quicConfiguration(quic)
                .protocolConfig(protocolConfig)
                .acceptor(acceptor);
        WebTransportProperties.Security sec = properties.getSecurity();
        builder.maxConnections(sec.getMaxConnections()).maxSessions(sec.getMaxSessions())
                .sessionRequestsPerSecondPerAddress(sec.getSessionRequestsPerSecondPerAddress());
        if (sec.getAddressValidationKey() != null && !sec.getAddressValidationKey().isBlank()) {
            builder.addressValidationKey(java.util.Base64.getDecoder().decode(sec.getAddressValidationKey().trim()));
        }
        if (sec.getClientAuth() != WebTransportProperties.Security.ClientAuth.NONE) {
            if (sec.getTrustedClientCertificates() == null) {
                throw new IllegalStateException("webtransport.server.security.client-auth=" + sec.getClientAuth()
                        + " needs webtransport.server.security.trusted-client-certificates");
            }
            builder.clientCertificates(sec.getClientAuth() == WebTransportProperties.Security.ClientAuth.REQUIRED,
                    dev.webtransport.server.ServerCertificate.readCertificates(sec.getTrustedClientCertificates()));
        }
        Executor e = executor.getIfAvailable();
        if (e != null) {
            builder.executor(e);
        }
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    public WebTransportServerLifecycle webTransportServerLifecycle(WebTransportServer server,
                                                                   WebTransportProperties properties,
                                                                   ApplicationContext context) {
        return new WebTransportServerLifecycle(server, properties.getShutdown().getDrainTimeout(), context);
    }

    /** Actuator health: {@code webtransport}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("webtransport")
    static class WebTransportHealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "webtransportHealthIndicator")
        WebTransportHealthIndicator webtransportHealthIndicator(WebTransportServer server) {
            return new WebTransportHealthIndicator(server);
        }
    }

    /** Micrometer meters {@code webtransport.*}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class WebTransportMetricsConfiguration {
        @Bean
        @ConditionalOnMissingBean
        WebTransportMetrics webTransportMetrics(WebTransportServer server, WebTransportEndpointRegistry registry) {
            return new WebTransportMetrics(server, registry.endpoints().keySet());
        }
    }

    /** Actuator endpoint {@code webtransport}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    @ConditionalOnAvailableEndpoint(WebTransportActuatorEndpoint.class)
    static class WebTransportEndpointConfiguration {
        @Bean
        @ConditionalOnMissingBean
        WebTransportActuatorEndpoint webTransportActuatorEndpoint(WebTransportServer server,
                                                                  WebTransportCertificate certificate,
                                                                  ProtocolHandlerConfig protocolConfig) {
            return new WebTransportActuatorEndpoint(server, certificate, protocolConfig.flowControl());
        }
    }

    /** {@code GET /webtransport/info} on the servlet web server: port and certificate hash for browser pages. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RouterFunction.class)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnBooleanProperty(name = "webtransport.server.info-endpoint", matchIfMissing = true)
    static class WebTransportInfoRouteConfiguration {
        @Bean
        RouterFunction<ServerResponse> webTransportInfoRoute(WebTransportServer server,
                                                             WebTransportCertificate certificate) {
            return RouterFunctions.route()
                    .GET("/webtransport/info", request -> ServerResponse.ok().body(WebTransportInfo.of(server, certificate)))
                    .build();
        }
    }
}

package dev.webtransport.autoconfigure.metrics;

import dev.webtransport.autoconfigure.WebTransportEndpointRegistry;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.server.WebTransportServer;
import dev.webtransport.session.WebTransportSession;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Collection;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters from the server's {@code stats()}: gauges for current values and function counters for totals,
 * all named {@code webtransport.*} (Prometheus: {@code webtransport_*}).
 *
 * <ul>
 *   <li>{@code webtransport.connections} (gauge) open QUIC connections</li>
 *   <li>{@code webtransport.sessions.active} (gauge, tag {@code endpoint}) open sessions per endpoint path template</li>
 *   <li>{@code webtransport.streams.active} (gauge) open streams</li>
 *   <li>{@code webtransport.sessions} (counter, tag {@code result} = requested|accepted|rejected|closed)</li>
 *   <li>{@code webtransport.streams} (counter, tag {@code result} = opened|closed|rejected|reset)</li>
 *   <li>{@code webtransport.bytes} (counter, base unit bytes, tag {@code direction} = sent|received) stream body bytes</li>
 *   <li>{@code webtransport.datagrams} (counter, tag {@code result} = sent|received|dropped)</li>
 *   <li>{@code webtransport.errors} (counter, tag {@code type} = protocol|handler)</li>
 *   <li>{@code webtransport.rejections} (counter, tag {@code reason} = max_connections|max_sessions|rate_limited)</li>
 *   <li>{@code webtransport.flow.blocked} (counter, tags {@code side} = local|peer and {@code kind} = data|streams)
 *       session flow control: times our sending or opening waited for the peer's credit (local), WT_*_BLOCKED
 *       capsules received (peer)</li>
 *   <li>{@code webtransport.flow.errors} (counter) sessions ended with WT_FLOW_CONTROL_ERROR</li>
 * </ul>
 */
public class WebTransportMetrics implements MeterBinder {
    private final WebTransportServer server;
    private final Collection<String> endpointPaths;

    public WebTransportMetrics(WebTransportServer server, Collection<String> endpointPaths) {
        this.server = server;
        this.endpointPaths = endpointPaths;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("webtransport.connections", server, s -> s.connections().size())
                .description("Open QUIC connections").register(registry);
        Gauge.builder("webtransport.streams.active", server, s -> s.stats().activeStreams())
                .description("Open WebTransport streams").register(registry);
        for (String path : endpointPaths) {
            Gauge.builder("webtransport.sessions.active", server, s -> sessionsOn(s, path))
                    .tag("endpoint", path).description("Open WebTransport sessions").register(registry);
        }
        counter(registry, "webtransport.sessions", "result", "requested", HandlerStats::sessionsRequested, null, "Session requests");
        counter(registry, "webtransport.sessions", "result", "accepted", HandlerStats::sessionsAccepted, null, "Session requests");
        counter(registry, "webtransport.sessions", "result", "rejected", HandlerStats::sessionsRejected, null, "Session requests");
        counter(registry, "webtransport.sessions", "result", "closed", HandlerStats::sessionsClosed, null, "Session requests");
        counter(registry, "webtransport.streams", "result", "opened", HandlerStats::streamsOpened, null, "Streams");
        counter(registry, "webtransport.streams", "result", "closed", HandlerStats::streamsClosed, null, "Streams");
        counter(registry, "webtransport.streams", "result", "rejected", HandlerStats::streamsRejected, null, "Streams");
        counter(registry, "webtransport.streams", "result", "reset", HandlerStats::streamsReset, null, "Streams");
        counter(registry, "webtransport.bytes", "direction", "sent", HandlerStats::bytesSent, "bytes", "Stream body bytes");
        counter(registry, "webtransport.bytes", "direction", "received", HandlerStats::bytesReceived, "bytes", "Stream body bytes");
        counter(registry, "webtransport.datagrams", "result", "sent", HandlerStats::datagramsSent, null, "Datagrams");
        counter(registry, "webtransport.datagrams", "result", "received", HandlerStats::datagramsReceived, null, "Datagrams");
        counter(registry, "webtransport.datagrams", "result", "dropped", HandlerStats::datagramsDropped, null, "Datagrams");
        for (dev.webtransport.server.security.AdmissionControl.Reason reason
                : dev.webtransport.server.security.AdmissionControl.Reason.values()) {
            FunctionCounter.builder("webtransport.rejections", server, s -> s.rejections().get(reason))
                    .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Connections and session requests refused by the server's limits").register(registry);
        }
        counter(registry, "webtransport.errors", "type", "protocol", HandlerStats::protocolErrors, null, "Errors");
        counter(registry, "webtransport.errors", "type", "handler", HandlerStats::handlerErrors, null, "Errors");
        String blocked = "Times session flow control blocked sending (local) or the peer reported being blocked (peer)";
        counter(registry, "webtransport.flow.blocked", Tags.of("side", "local", "kind", "data"),
                HandlerStats::dataBlocked, null, blocked);
        counter(registry, "webtransport.flow.blocked", Tags.of("side", "local", "kind", "streams"),
                HandlerStats::streamsBlocked, null, blocked);
        counter(registry, "webtransport.flow.blocked", Tags.of("side", "peer", "kind", "data"),
                HandlerStats::peerDataBlocked, null, blocked);
        counter(registry, "webtransport.flow.blocked", Tags.of("side", "peer", "kind", "streams"),
                HandlerStats::peerStreamsBlocked, null, blocked);
        counter(registry, "webtransport.flow.errors", Tags.empty(), HandlerStats::flowControlErrors, null,
                "Sessions ended with WT_FLOW_CONTROL_ERROR");
    }

    private static double sessionsOn(WebTransportServer server, String path) {
        int n = 0;
        for (WebTransportSession s : server.sessions()) {
            if (path.equals(s.attributes().get(WebTransportEndpointRegistry.ROUTE_ATTRIBUTE)) && s.isOpen()) {
                n++;
            }
        }
        return n;
    }

    private void counter(MeterRegistry registry, String name, String tag, String value,
                         java.util.function.ToLongFunction<HandlerStats> f, String unit, String description) {
        counter(registry, name, Tags.of(tag, value), f, unit, description);
    }

    private void counter(MeterRegistry registry, String name, Tags tags,
                         java.util.function.ToLongFunction<HandlerStats> f, String unit, String description) {
        ToDoubleFunction<WebTransportServer> fn = s -> f.applyAsLong(s.stats());
        FunctionCounter.Builder<WebTransportServer> b = FunctionCounter.builder(name, server, fn)
                .tags(tags).description(description);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(registry);
    }
}

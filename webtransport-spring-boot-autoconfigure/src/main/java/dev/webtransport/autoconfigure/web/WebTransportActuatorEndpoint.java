package dev.webtransport.autoconfigure.web;

import dev.webtransport.autoconfigure.WebTransportCertificate;
import dev.webtransport.protocol.FlowControlConfig;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.server.WebTransportServer;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Actuator endpoint {@code /actuator/webtransport}: port, certificate hash, session flow-control settings (when known)
 * and the server's counters.
 */
@Endpoint(id = "webtransport")
public class WebTransportActuatorEndpoint {
    private final WebTransportServer server;
    private final WebTransportCertificate certificate;
    private final FlowControlConfig flowControl;

    /** Without the flow-control section. */
    public WebTransportActuatorEndpoint(WebTransportServer server, WebTransportCertificate certificate) {
        this(server, certificate, null);
    }

    /** With {@code flowControl} (the server's settings, may be null) shown as the {@code flowControl} section. */
    public WebTransportActuatorEndpoint(WebTransportServer server, WebTransportCertificate certificate,
                                        FlowControlConfig flowControl) {
        this.server = server;
        this.certificate = certificate;
        this.flowControl = flowControl;
    }

    @ReadOperation
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>(WebTransportInfo.of(server, certificate));
        HandlerStats s = server.stats();
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("activeSessions", s.activeSessions());
        stats.put("activeStreams", s.activeStreams());
        stats.put("sessionsAccepted", s.sessionsAccepted());
        stats.put("sessionsRejected", s.sessionsRejected());
        stats.put("streamsOpened", s.streamsOpened());
        stats.put("bytesSent", s.bytesSent());
        stats.put("bytesReceived", s.bytesReceived());
        stats.put("datagramsSent", s.datagramsSent());
        stats.put("datagramsReceived", s.datagramsReceived());
        stats.put("datagramsDropped", s.datagramsDropped());
        stats.put("protocolErrors", s.protocolErrors());
        stats.put("handlerErrors", s.handlerErrors());
        stats.put("dataBlocked", s.dataBlocked());
        stats.put("streamsBlocked", s.streamsBlocked());
        stats.put("peerDataBlocked", s.peerDataBlocked());
        stats.put("peerStreamsBlocked", s.peerStreamsBlocked());
        stats.put("flowControlErrors", s.flowControlErrors());
        if (flowControl != null) {
            Map<String, Object> fc = new LinkedHashMap<>();
            fc.put("enabled", flowControl.enabled());
            fc.put("initialMaxData", limit(flowControl.initialMaxData(), FlowControlConfig.UNLIMITED_DATA));
            fc.put("maxDataWindow", limit(flowControl.maxDataWindow(), FlowControlConfig.UNLIMITED_DATA));
            fc.put("initialMaxStreamsBidi", limit(flowControl.initialMaxStreamsBidi(), FlowControlConfig.UNLIMITED_STREAMS));
            fc.put("initialMaxStreamsUni", limit(flowControl.initialMaxStreamsUni(), FlowControlConfig.UNLIMITED_STREAMS));
            m.put("flowControl", fc);
        }
        m.put("stats", stats);
        return m;
    }

    /** The value, or "unlimited" (2^62-1 and 2^60 would also lose precision in JavaScript). */
    private static Object limit(long value, long unlimited) {
        return value >= unlimited ? "unlimited" : value;
    }
}

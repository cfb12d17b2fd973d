package dev.webtransport.autoconfigure.web;

import dev.webtransport.autoconfigure.WebTransportCertificate;
import dev.webtransport.protocol.HandlerStats;
import dev.webtransport.server.WebTransportServer;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import java.util.LinkedHashMap;
import java.util.Map;

/** Actuator endpoint {@code /actuator/webtransport}: port, certificate hash and the server's counters. */
@Endpoint(id = "webtransport")
public class WebTransportActuatorEndpoint {
    private final WebTransportServer server;
    private final WebTransportCertificate certificate;

    public WebTransportActuatorEndpoint(WebTransportServer server, WebTransportCertificate certificate) {
        this.server = server;
        this.certificate = certificate;
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
        m.put("stats", stats);
        return m;
    }
}

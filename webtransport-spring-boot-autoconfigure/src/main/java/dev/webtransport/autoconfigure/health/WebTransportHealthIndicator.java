package dev.webtransport.autoconfigure.health;

import dev.webtransport.protocol.HealthStatus;
import dev.webtransport.server.ServerHealth;
import dev.webtransport.server.WebTransportServer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.net.InetSocketAddress;

/**
 * Health of the WebTransport server, shown as {@code webtransport} in {@code /actuator/health}: UP when bound and
 * healthy, DOWN when not bound, {@link #DEGRADED} when the error rate (protocol and handler errors per created
 * session or stream) is above 10%. Details: port, addresses, connections, active sessions and streams, error rate,
 * uptime.
 */
public class WebTransportHealthIndicator implements HealthIndicator {
    /** Reported when the server serves but errors exceed the threshold; maps to HTTP 200 unless configured. */
    public static final Status DEGRADED = new Status("DEGRADED", "error rate above "
            + (int) (HealthStatus.DEGRADED_ERROR_RATE * 100) + "%");

    private final WebTransportServer server;

    public WebTransportHealthIndicator(WebTransportServer server) {
        this.server = server;
    }

    @Override
    public Health health() {
        ServerHealth h = server.health();
        Health.Builder b = switch (h.status()) {
            case HEALTHY -> Health.up();
            case DEGRADED -> Health.status(DEGRADED);
            case UNHEALTHY -> Health.down();
        };
        return b.withDetail("bound", h.bound())
                .withDetail("port", server.port())
                .withDetail("addresses", h.addresses().stream().map(InetSocketAddress::toString).toList())
                .withDetail("connections", h.connections())
                .withDetail("activeSessions", h.activeSessions())
                .withDetail("activeStreams", h.activeStreams())
                .withDetail("errorRate", h.errorRate())
                .withDetail("uptime", h.uptime().toString())
                .build();
    }
}

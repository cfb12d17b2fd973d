package dev.webtransport.server;

import dev.webtransport.protocol.HealthStatus;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Health of a whole server, aggregated over its connections.
 *
 * @param status         HEALTHY, DEGRADED (error rate above {@link HealthStatus#DEGRADED_ERROR_RATE}) or UNHEALTHY
 * @param bound          whether the server is bound and serving
 * @param addresses      bound addresses
 * @param connections    open QUIC connections
 * @param activeSessions open sessions
 * @param activeStreams  open streams
 * @param errorRate      errors per created session or stream since start
 * @param uptime         time since start
 */
public record ServerHealth(HealthStatus.Status status, boolean bound, List<InetSocketAddress> addresses,
                           int connections, int activeSessions, int activeStreams, double errorRate, Duration uptime) {
}

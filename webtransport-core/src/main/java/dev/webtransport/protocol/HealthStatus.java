package dev.webtransport.protocol;

import java.time.Duration;

/**
 * The seed's {@code get_health_status}: a verdict with the numbers behind it.
 *
 * @param status          HEALTHY, DEGRADED (error rate above the threshold) or UNHEALTHY (connection not usable)
 * @param connectionState state of the connection
 * @param activeSessions  sessions open now
 * @param activeStreams   streams open now
 * @param errorRate       errors per created session or stream
 * @param uptime          time since the handler was created
 * @param idle            time since the last received or sent byte
 */
public record HealthStatus(Status status, ConnectionState connectionState, int activeSessions, int activeStreams,
                           double errorRate, Duration uptime, Duration idle) {
    /** Error rate above which a handler reports itself degraded. */
    public static final double DEGRADED_ERROR_RATE = 0.1;

    /** Health verdict. */
    public enum Status { HEALTHY, DEGRADED, UNHEALTHY }
}

package dev.webtransport.protocol;

import java.time.Instant;
import java.util.Map;

/**
 * One published event.
 *
 * @param type      what happened
 * @param timestamp when
 * @param data      details (for example {@code sessionId}, {@code streamId}, {@code code}, {@code reason})
 */
public record WebTransportEvent(EventType type, Instant timestamp, Map<String, Object> data) {
    public WebTransportEvent {
        data = Map.copyOf(data);
    }
}

package dev.webtransport.client;

import dev.webtransport.session.WebTransportSession;

import java.net.URI;
import java.time.Duration;

/**
 * Observes session recovery attempts of a {@link WebTransportClient} (see
 * {@link WebTransportClient#recover(String, String, java.util.Map, dev.webtransport.session.WebTransportSessionHandler, int)}).
 * Callbacks run on a client thread and must not block; every method has an empty default.
 */
public interface RecoveryListener {
    /** Attempt number {@code attempt} (1-based) of at most {@code maxRetries} is starting. */
    default void attemptStarted(URI target, int attempt, int maxRetries) {
    }

    /**
     * An attempt failed; {@code nextDelay} is the backoff before the next attempt, or null when no attempt follows.
     */
    default void attemptFailed(URI target, int attempt, Throwable cause, Duration nextDelay) {
    }

    /** A replacement session is open after {@code attempts} attempts. */
    default void recovered(URI target, WebTransportSession session, int attempts) {
    }

    /** Recovery gave up after {@code attempts} attempts. */
    default void gaveUp(URI target, int attempts, Throwable lastError) {
    }
}

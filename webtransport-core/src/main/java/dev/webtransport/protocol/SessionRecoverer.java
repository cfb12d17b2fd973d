package dev.webtransport.protocol;

import dev.webtransport.session.WebTransportSession;
import dev.webtransport.session.WebTransportSessionHandler;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Re-establishes a failed client session on a new connection (implemented by the client that owns a handler; see
 * {@link WebTransportProtocolHandler#recoverSession(long, int)}).
 */
public interface SessionRecoverer {
    /**
     * Opens a replacement session with the same target, trying at most {@code maxRetries} times with backoff.
     *
     * @param authority the original {@code :authority}
     * @param path      the original {@code :path}
     * @param headers   the original non-pseudo request headers
     * @param handler   the handler of the failed session, reused for the new one
     */
    CompletableFuture<WebTransportSession> recover(String authority, String path, Map<String, String> headers,
                                                   WebTransportSessionHandler handler, int maxRetries);
}

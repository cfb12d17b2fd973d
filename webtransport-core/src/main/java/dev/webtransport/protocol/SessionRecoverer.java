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

    /** Re-opens a session with the same {@code :authority}, {@code :path} and other request headers as {@code failed}. */
    default CompletableFuture<WebTransportSession> recoverLike(WebTransportSession failed,
                                                               WebTransportSessionHandler handler, int maxRetries) {
        String authority = null;
        String path = null;
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, java.util.List<String>> e : failed.headers().entrySet()) {
            String v = e.getValue().isEmpty() ? "" : e.getValue().get(0);
            switch (e.getKey()) {
                case ":authority" -> authority = v;
                case ":path" -> path = v;
                default -> {
                    if (!e.getKey().startsWith(":")) {
                        headers.put(e.getKey(), v);
                    }
                }
            }
        }
        return recover(authority, path == null ? failed.path() : path, headers, handler, maxRetries);
    }
}

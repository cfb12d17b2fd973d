package dev.webtransport.autoconfigure;

import dev.webtransport.server.WebTransportRouter;

/**
 * A bean that sees every session request (path, headers, remote address, path variables) after the origin check and
 * before the endpoint, and may reject it (for example 401 or 403) before any session state is created.
 */
public interface WebTransportSessionInterceptor extends WebTransportRouter.RequestInterceptor {
}

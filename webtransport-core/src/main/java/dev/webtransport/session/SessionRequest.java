package dev.webtransport.session;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * An incoming extended CONNECT asking for a WebTransport session, as seen by a
 * {@link WebTransportSessionAcceptor} before any session state exists.
 *
 * @param path               the {@code :path} without query
 * @param query              the query string (after {@code ?}), or empty
 * @param authority          the {@code :authority}
 * @param origin             the {@code origin} header, or null (non-browser clients often send none)
 * @param headers            every request header, lower-case names, pseudo-headers included
 * @param offeredProtocols   subprotocols offered in {@code wt-available-protocols}, in preference order
 * @param remoteAddress      the peer's address
 */
public record SessionRequest(String path, String query, String authority, String origin,
                             Map<String, List<String>> headers, List<String> offeredProtocols,
                             SocketAddress remoteAddress) {
    public SessionRequest {
        headers = Map.copyOf(headers);
        offeredProtocols = List.copyOf(offeredProtocols);
    }

    /** The first value of a header (lower-case name), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}

package dev.webtransport.autoconfigure;

import dev.webtransport.server.WebTransportServer;

/** Adjusts the {@link WebTransportServer.Builder} after the properties were applied; beans are applied in order. */
@FunctionalInterface
public interface WebTransportServerCustomizer {
    void customize(WebTransportServer.Builder builder);
}

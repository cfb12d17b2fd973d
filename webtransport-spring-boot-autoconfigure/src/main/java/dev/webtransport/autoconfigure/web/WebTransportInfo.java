package dev.webtransport.autoconfigure.web;

import dev.webtransport.autoconfigure.WebTransportCertificate;
import dev.webtransport.server.WebTransportServer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a browser page needs to connect: the UDP port and the SHA-256 of the server certificate (for
 * {@code serverCertificateHashes}; browsers accept it only for ECDSA certificates valid at most 14 days).
 */
public final class WebTransportInfo {
    private WebTransportInfo() {
    }

    /** The connection info as a JSON-friendly map. */
    public static Map<String, Object> of(WebTransportServer server, WebTransportCertificate certificate) {
        Map<String, Object> hash = new LinkedHashMap<>();
        hash.put("algorithm", "sha-256");
        hash.put("base64", certificate.sha256Base64());
        hash.put("hex", certificate.sha256Hex());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", server.port());
        m.put("running", server.isRunning());
        m.put("developmentCertificate", certificate.development());
        m.put("certificateHash", hash);
        m.put("certificateNotAfter", certificate.leaf().getNotAfter().toInstant().toString());
        return m;
    }
}

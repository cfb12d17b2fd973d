package dev.webtransport.autoconfigure;

import dev.webtransport.server.ServerCertificate;
import dev.webtransport.server.tls.DevelopmentCertificate;

import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The certificate the WebTransport server presents, with its SHA-256 hash. For a generated development certificate
 * the hash is what a browser page passes as {@code serverCertificateHashes}.
 *
 * @param serverCertificate the key and chain
 * @param development       whether it was generated at startup for development
 */
public record WebTransportCertificate(ServerCertificate serverCertificate, boolean development) {

    /** SHA-256 of the DER leaf certificate. */
    public byte[] sha256() {
        return DevelopmentCertificate.sha256Of(leaf());
    }

    /** Lower-case hex of {@link #sha256()}. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    /** Base64 of {@link #sha256()}. */
    public String sha256Base64() {
        return Base64.getEncoder().encodeToString(sha256());
    }

    public X509Certificate leaf() {
        return serverCertificate.leaf();
    }
}

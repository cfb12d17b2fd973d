package dev.webtransport.client;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Trusts a server by the SHA-256 of its leaf certificate, as browsers do for {@code serverCertificateHashes}: the hash
 * must match, the certificate must be valid now, and its validity span must be at most 14 days. Chain and host name are
 * not checked.
 */
public final class CertificateHashTrustManager extends X509ExtendedTrustManager {
    /** Longest validity span browsers accept for hash-pinned certificates. */
    public static final Duration MAX_VALIDITY = Duration.ofDays(14);
    private final List<byte[]> hashes;

    public CertificateHashTrustManager(List<byte[]> sha256Hashes) {
        this.hashes = List.copyOf(sha256Hashes);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("server sent no certificate");
        }
        X509Certificate leaf = chain[0];
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
        boolean match = hashes.stream().anyMatch(h -> MessageDigest.isEqual(h, digest));
        if (!match) {
            throw new CertificateException("server certificate hash does not match any serverCertificateHashes entry");
        }
        leaf.checkValidity();
        long spanMillis = leaf.getNotAfter().getTime() - leaf.getNotBefore().getTime();
        if (spanMillis > MAX_VALIDITY.toMillis() + 1000) {
            throw new CertificateException("certificate validity span exceeds 14 days, which hash pinning does not allow");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only verifies servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}

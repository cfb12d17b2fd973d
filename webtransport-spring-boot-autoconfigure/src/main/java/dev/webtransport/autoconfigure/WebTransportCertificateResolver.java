package dev.webtransport.autoconfigure;

import dev.webtransport.server.ServerCertificate;
import dev.webtransport.server.tls.DevelopmentCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.env.Environment;

import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;

/**
 * Chooses the server certificate from the properties: an SSL bundle, else PEM files, else (outside production
 * profiles) a generated development certificate. Every misconfiguration fails startup with a message naming what is
 * wrong.
 */
public final class WebTransportCertificateResolver {
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportCertificateResolver.class);

    private WebTransportCertificateResolver() {
    }

    /** Resolves the certificate; {@code sslBundles} may be null when Boot's SSL support is absent. */
    public static WebTransportCertificate resolve(WebTransportProperties.Ssl ssl, SslBundles sslBundles,
                                                  Environment environment) {
        if (ssl.getBundle() != null && !ssl.getBundle().isBlank()) {
            if (sslBundles == null) {
                throw new IllegalStateException("webtransport.server.ssl.bundle=" + ssl.getBundle()
                        + " is set but no SslBundles bean exists");
            }
            return new WebTransportCertificate(fromBundle(ssl.getBundle(), sslBundles.getBundle(ssl.getBundle())), false);
        }
        if (ssl.getCertificate() != null || ssl.getPrivateKey() != null) {
            if (ssl.getCertificate() == null || ssl.getPrivateKey() == null) {
                throw new IllegalStateException("webtransport.server.ssl.certificate and "
                        + "webtransport.server.ssl.private-key must be set together");
            }
            return new WebTransportCertificate(ServerCertificate.fromPem(ssl.getCertificate(), ssl.getPrivateKey()), false);
        }
        List<String> production = ssl.getProductionProfiles();
        boolean inProduction = Arrays.stream(environment.getActiveProfiles()).anyMatch(production::contains);
        if (inProduction || !ssl.isDevelopmentCertificate()) {
            throw new IllegalStateException("No WebTransport server certificate configured: set "
                    + "webtransport.server.ssl.bundle, or webtransport.server.ssl.certificate and "
                    + "webtransport.server.ssl.private-key"
                    + (inProduction ? " (development certificates are disabled in the production profiles "
                    + production + ")" : ""));
        }
        DevelopmentCertificate dev = DevelopmentCertificate.generate(ssl.getDevelopmentCertificateValidity(),
                List.of("localhost", "127.0.0.1", "::1"));
        LOG.info("WebTransport: generated a development certificate (ECDSA P-256, valid {}); SHA-256 {} — pass it "
                        + "to browsers as serverCertificateHashes",
                ssl.getDevelopmentCertificateValidity(), dev.sha256Hex());
        return new WebTransportCertificate(ServerCertificate.of(dev.privateKey(), dev.certificate()), true);
    }

    private static ServerCertificate fromBundle(String name, SslBundle bundle) {
        KeyStore keyStore = bundle.getStores().getKeyStore();
        if (keyStore == null) {
            throw new IllegalStateException("SSL bundle '" + name + "' has no key store");
        }
        String password = bundle.getKey().getPassword();
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try {
            String alias = bundle.getKey().getAlias();
            if (alias == null) {
                Enumeration<String> aliases = keyStore.aliases();
                while (aliases.hasMoreElements()) {
                    String a = aliases.nextElement();
                    if (keyStore.isKeyEntry(a)) {
                        alias = a;
                        break;
                    }
                }
            }
            if (alias == null) {
                throw new IllegalStateException("SSL bundle '" + name + "' holds no private key entry");
            }
            Key key = keyStore.getKey(alias, pw);
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IllegalStateException("SSL bundle '" + name + "' entry '" + alias + "' is not a private key");
            }
            Certificate[] chain = keyStore.getCertificateChain(alias);
            if (chain == null || chain.length == 0) {
                throw new IllegalStateException("SSL bundle '" + name + "' entry '" + alias + "' has no certificate chain");
            }
            X509Certificate[] x509 = Arrays.stream(chain).map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
            return ServerCertificate.of(privateKey, x509);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key of SSL bundle '" + name + "': " + e.getMessage(), e);
        }
    }
}

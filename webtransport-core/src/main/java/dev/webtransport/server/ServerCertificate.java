package dev.webtransport.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The server's TLS identity: a private key and its certificate chain, leaf first. Built from PEM files (errors name the
 * file) or from in-memory objects.
 */
public final class ServerCertificate {
    private final PrivateKey privateKey;
    private final Path keyFile;
    private final List<X509Certificate> chain;

    private ServerCertificate(PrivateKey privateKey, Path keyFile, List<X509Certificate> chain) {
        this.privateKey = privateKey;
        this.keyFile = keyFile;
        this.chain = List.copyOf(chain);
        if (this.chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
    }

    /** From an in-memory key and chain. */
    public static ServerCertificate of(PrivateKey key, X509Certificate... chain) {
        return new ServerCertificate(Objects.requireNonNull(key, "key"), null, List.of(chain));
    }

    /**
     * From PEM files: a certificate chain and an unencrypted PKCS#8 private key. Missing or unreadable files fail with
     * an {@link IllegalArgumentException} naming the file.
     */
    public static ServerCertificate fromPem(Path certificateChainPem, Path privateKeyPem) {
        requireReadable(certificateChainPem, "certificate");
        requireReadable(privateKeyPem, "private key");
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certificateChainPem)) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (var c : cf.generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read certificate file " + certificateChainPem.toAbsolutePath()
                    + ": " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("certificate file " + certificateChainPem.toAbsolutePath()
                    + " holds no PEM certificate");
        }
        return new ServerCertificate(null, privateKeyPem, chain);
    }

    /** Reads every PEM certificate of a file; a missing or unreadable file fails with a message naming it. */
    public static X509Certificate[] readCertificates(Path pem) {
        requireReadable(pem, "certificate");
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("certificate file " + pem.toAbsolutePath() + " holds no PEM certificate");
            }
            return out.toArray(new X509Certificate[0]);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read certificate file " + pem.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void requireReadable(Path file, String what) {
        Objects.requireNonNull(file, what + " file");
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(what + " file " + file.toAbsolutePath() + " does not exist or is not readable");
        }
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    public List<X509Certificate> chain() {
        return chain;
    }

    /** The in-memory key, or null when the key comes from {@link #keyFile()}. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The PEM key file, or null for an in-memory key. */
    public Path keyFile() {
        return keyFile;
    }
}

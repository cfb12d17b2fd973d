package dev.webtransport.server.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A short-lived, self-signed ECDSA P-256 certificate for local development and tests.
 *
 * <p>The certificate follows the rules browsers apply to WebTransport {@code serverCertificateHashes}: an ECDSA
 * key, a validity period of at most 14 days, and an X.509v3 certificate. Its SHA-256 fingerprint is available in the
 * forms a client needs (raw bytes, hex, base64, colon-separated). Only the JDK's default providers are used at
 * runtime; Bouncy Castle builds the certificate structure and no security provider is registered globally.
 *
 * <p>Instances are immutable and thread-safe. Never use such a certificate in production.
 */
public final class DevelopmentCertificate {

    /** Longest validity accepted, matching the WebTransport {@code serverCertificateHashes} rule. */
    private static final Duration MAX_VALIDITY = Duration.ofDays(14);
    private static final Duration DEFAULT_VALIDITY = Duration.ofDays(10);
    private static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final String SUBJECT = "CN=webtransport-dev";
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Pattern IPV4_LITERAL =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final byte[] sha256;

    private DevelopmentCertificate(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.sha256 = sha256Of(certificate);
    }

    /**
     * Generates a new key pair and a self-signed certificate.
     *
     * @param validity how long the certificate is valid, counted from one minute before now; must be positive and
     *                 at most 14 days
     * @param subjectAltNames DNS names and IP literals (IPv4 or IPv6, e.g. {@code "::1"}) to put in the
     *                        subjectAltName extension; at least one
     * @return the new certificate and its private key
     * @throws IllegalArgumentException if the validity is out of range or a name is empty or malformed
     * @throws IllegalStateException if the JDK cannot generate the key or sign the certificate
     */
    public static DevelopmentCertificate generate(Duration validity, List<String> subjectAltNames) {
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(subjectAltNames, "subjectAltNames");
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive: " + validity);
        }
        if (validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("validity must be at most 14 days (the WebTransport"
                    + " serverCertificateHashes limit): " + validity);
        }
        GeneralNames sans = toGeneralNames(subjectAltNames);

        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair keyPair = generator.generateKeyPair();

            // X.509 times have a precision of one second; truncate so notAfter - notBefore is exactly `validity`
            // (rounded down to whole seconds) and never exceeds it.
            Instant notBefore = Instant.now().minus(BACKDATE).truncatedTo(ChronoUnit.SECONDS);
            Instant notAfter = notBefore.plus(validity).truncatedTo(ChronoUnit.SECONDS);
            if (!notAfter.isAfter(notBefore)) {
                throw new IllegalArgumentException("validity must be at least one second: " + validity);
            }
            X500Name subject = new X500Name(SUBJECT);
            BigInteger serial = new BigInteger(127, RANDOM).setBit(0); // positive, non-zero, at most 16 bytes

            JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject, serial, Date.from(notBefore), Date.from(notAfter), subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, sans)
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()));

            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(keyPair.getPrivate());
            X509CertificateHolder holder = builder.build(signer);
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
            certificate.verify(keyPair.getPublic());
            return new DevelopmentCertificate(certificate, keyPair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a development certificate", e);
        }
    }

    /**
     * Generates a certificate valid for 10 days for {@code localhost}, {@code 127.0.0.1} and {@code ::1}.
     *
     * @return the new certificate and its private key
     */
    public static DevelopmentCertificate generateDefault() {
        return generate(DEFAULT_VALIDITY, List.of("localhost", "127.0.0.1", "::1"));
    }

    /** @return the self-signed certificate */
    public X509Certificate certificate() {
        return certificate;
    }

    /** @return the certificate's EC P-256 private key */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** @return the SHA-256 digest of the DER-encoded certificate (a fresh copy) */
    public byte[] sha256() {
        return sha256.clone();
    }

    /** @return the SHA-256 fingerprint as lowercase hex without separators */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** @return the SHA-256 fingerprint in standard base64 (with padding) */
    public String sha256Base64() {
        return Base64.getEncoder().encodeToString(sha256);
    }

    /** @return the SHA-256 fingerprint as uppercase hex pairs separated by colons, e.g. {@code "AB:CD:..."} */
    public String sha256Colon() {
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(sha256);
    }

    /**
     * Writes the certificate as PEM ({@code -----BEGIN CERTIFICATE-----}), replacing an existing file and creating
     * missing parent directories.
     *
     * @param file target file
     * @return {@code file}
     * @throws UncheckedIOException if writing fails
     */
    public Path writeCertificatePem(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] der;
        try {
            der = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode certificate", e);
        }
        writeFile(file, pem("CERTIFICATE", der), false);
        return file;
    }

    /**
     * Writes the private key as unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), the form
     * {@code QuicSslContextBuilder.forServer(keyFile, null, certFile)} accepts. The file is replaced if it exists and,
     * where the file system supports it, made readable by its owner only.
     *
     * @param file target file
     * @return {@code file}
     * @throws UncheckedIOException if writing fails
     */
    public Path writePrivateKeyPem(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] pkcs8 = privateKey.getEncoded();
        if (pkcs8 == null || !"PKCS#8".equalsIgnoreCase(privateKey.getFormat())) {
            throw new IllegalStateException("private key is not PKCS#8-encodable: " + privateKey.getFormat());
        }
        writeFile(file, pem("PRIVATE KEY", pkcs8), true);
        return file;
    }

    /**
     * Computes the SHA-256 digest of a certificate's DER encoding, as used by WebTransport
     * {@code serverCertificateHashes}.
     *
     * @param cert any X.509 certificate
     * @return the 32-byte digest
     * @throws IllegalArgumentException if the certificate cannot be encoded
     */
    public static byte[] sha256Of(X509Certificate cert) {
        Objects.requireNonNull(cert, "cert");
        try {
            return MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot DER-encode certificate", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "DevelopmentCertificate[" + certificate.getSubjectX500Principal().getName()
                + ", notAfter=" + certificate.getNotAfter().toInstant() + ", sha256=" + sha256Colon() + "]";
    }

    private static GeneralNames toGeneralNames(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("at least one subjectAltName is required");
        }
        Set<String> seen = new LinkedHashSet<>();
        List<GeneralName> result = new ArrayList<>();
        for (String raw : names) {
            if (raw == null || raw.isBlank()) {
                throw new IllegalArgumentException("subjectAltName must not be null or blank: " + names);
            }
            String name = raw.strip();
            GeneralName generalName = toGeneralName(name);
            if (seen.add(generalName.getTagNo() + "/" + generalName.getName())) {
                result.add(generalName);
            }
        }
        return new GeneralNames(result.toArray(new GeneralName[0]));
    }

    private static GeneralName toGeneralName(String name) {
        String candidate = name;
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        if (IPV4_LITERAL.matcher(candidate).matches() || candidate.indexOf(':') >= 0) {
            if (candidate.indexOf('%') >= 0) {
                throw new IllegalArgumentException("IP subjectAltName must not carry a zone id: " + name);
            }
            try {
                // A literal containing ':' or matching the dotted-quad pattern is parsed without any DNS lookup.
                byte[] address = InetAddress.getByName(candidate).getAddress();
                return new GeneralName(GeneralName.iPAddress, new DEROctetString(address));
            } catch (UnknownHostException | SecurityException e) {
                throw new IllegalArgumentException("malformed IP subjectAltName: " + name, e);
            }
        }
        String ascii;
        try {
            ascii = IDN.toASCII(candidate, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed DNS subjectAltName: " + name, e);
        }
        if (ascii.isEmpty() || ascii.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
            throw new IllegalArgumentException("malformed DNS subjectAltName: " + name);
        }
        return new GeneralName(GeneralName.dNSName, ascii);
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void writeFile(Path file, byte[] content, boolean ownerOnly) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            boolean posix = Files.getFileStore(parent != null ? parent : file).supportsFileAttributeView("posix");
            if (ownerOnly && posix) {
                Set<PosixFilePermission> ownerReadWrite =
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerReadWrite));
                } catch (FileAlreadyExistsException e) {
                    Files.setPosixFilePermissions(file, ownerReadWrite);
                }
            }
            Files.write(file, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}

package dev.webtransport.interop.flupke;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away ECDSA P-256 self-signed certificate (CN=localhost, SAN localhost, 127.0.0.1, ::1,
 * valid 10 days, i.e. also acceptable for Chromium's {@code serverCertificateHashes}), written as
 * {@code cert.pem} (X.509) and {@code key.pem} (PKCS#8) into a directory.
 *
 * @param certPem path of the PEM certificate
 * @param keyPem path of the PEM PKCS#8 private key
 * @param certificate the certificate
 * @param keyPair its key pair
 */
public record SelfSignedCertificate(Path certPem, Path keyPem, X509Certificate certificate, KeyPair keyPair) {

    /**
     * Generates a new certificate and writes both PEM files into {@code dir}.
     *
     * @param dir an existing directory (e.g. a JUnit {@code @TempDir})
     * @return the certificate and the paths of the files
     * @throws Exception on any crypto or I/O failure
     */
    public static SelfSignedCertificate generate(Path dir) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keyPair = generator.generateKeyPair();

        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=localhost");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(10)).minus(Duration.ofHours(1))),
                subject,
                keyPair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1")}));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));

        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(certPem, toPem(certificate), StandardCharsets.US_ASCII);
        Files.writeString(keyPem, toPem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keyPair.getPrivate(), null)),
                StandardCharsets.US_ASCII);
        return new SelfSignedCertificate(certPem, keyPem, certificate, keyPair);
    }

    /**
     * SHA-256 of the certificate's DER encoding (the value for WebTransport {@code serverCertificateHashes}).
     *
     * @return 32 bytes
     * @throws Exception if encoding fails
     */
    public byte[] sha256() throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
    }

    private static String toPem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}

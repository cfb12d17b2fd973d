package dev.webtransport.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.AlgorithmParameters;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevelopmentCertificateTest {

    @TempDir
    Path dir;

    @Test
    void defaultCertificateIsValidForTenDaysFromOneMinuteAgo() throws Exception {
        Instant before = Instant.now();
        DevelopmentCertificate dev = DevelopmentCertificate.generateDefault();
        X509Certificate cert = dev.certificate();

        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        assertThat(Duration.between(notBefore, notAfter)).isEqualTo(Duration.ofDays(10));
        assertThat(notBefore).isBetween(before.minusSeconds(62), before.minusSeconds(58));
        cert.checkValidity();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=webtransport-dev");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        assertThat(cert.getVersion()).isEqualTo(3);
        assertThat(cert.getSerialNumber().signum()).isPositive();
        cert.verify(cert.getPublicKey());
    }

    @Test
    void validityBounds() {
        assertThatCode(() -> DevelopmentCertificate.generate(Duration.ofDays(14), List.of("localhost")))
                .doesNotThrowAnyException();
        X509Certificate fourteen =
                DevelopmentCertificate.generate(Duration.ofDays(14), List.of("localhost")).certificate();
        assertThat(Duration.between(fourteen.getNotBefore().toInstant(), fourteen.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofDays(14));

        assertThatThrownBy(() -> DevelopmentCertificate.generate(
                Duration.ofDays(14).plusSeconds(1), List.of("localhost")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("14 days");
        assertThatThrownBy(() -> DevelopmentCertificate.generate(Duration.ZERO, List.of("localhost")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevelopmentCertificate.generate(Duration.ofHours(-1), List.of("localhost")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevelopmentCertificate.generate(Duration.ofMillis(500), List.of("localhost")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyIsEcP256AndCertificateUsesSha256WithEcdsa() throws Exception {
        DevelopmentCertificate dev = DevelopmentCertificate.generateDefault();
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);

        assertThat(dev.privateKey()).isInstanceOf(ECPrivateKey.class);
        ECParameterSpec keySpec = ((ECPrivateKey) dev.privateKey()).getParams();
        assertThat(keySpec.getCurve()).isEqualTo(p256.getCurve());
        assertThat(keySpec.getOrder()).isEqualTo(p256.getOrder());
        assertThat(keySpec.getGenerator()).isEqualTo(p256.getGenerator());
        assertThat(dev.certificate().getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) dev.certificate().getPublicKey()).getParams().getCurve())
                .isEqualTo(p256.getCurve());
        assertThat(dev.certificate().getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");

        // The private key belongs to the certificate's public key.
        byte[] data = "webtransport".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(dev.privateKey());
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(dev.certificate());
        verifier.update(data);
        assertThat(verifier.verify(signature)).isTrue();
    }

    @Test
    void extensionsMarkALeafServerCertificate() throws Exception {
        X509Certificate cert = DevelopmentCertificate.generateDefault().certificate();
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        boolean[] keyUsage = cert.getKeyUsage();
        assertThat(keyUsage[0]).as("digitalSignature").isTrue();
        for (int i = 1; i < keyUsage.length; i++) {
            assertThat(keyUsage[i]).as("key usage bit %d", i).isFalse();
        }
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    }

    @Test
    void defaultSubjectAltNamesCoverLocalhostAndLoopbackAddresses() throws Exception {
        X509Certificate cert = DevelopmentCertificate.generateDefault().certificate();
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
    }

    @Test
    void customSubjectAltNamesDetectIpLiterals() throws Exception {
        X509Certificate cert = DevelopmentCertificate.generate(Duration.ofDays(1),
                List.of("Example.Test", "10.1.2.3", "fe80::1", "[::2]", "example.test")).certificate();
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "example.test"), List.of(7, "10.1.2.3"),
                List.of(7, "fe80:0:0:0:0:0:0:1"), List.of(7, "0:0:0:0:0:0:0:2"));
    }

    @Test
    void rejectsMissingOrMalformedNames() {
        Duration day = Duration.ofDays(1);
        assertThatThrownBy(() -> DevelopmentCertificate.generate(day, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevelopmentCertificate.generate(day, List.of(" ")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevelopmentCertificate.generate(day, List.of("fe80::1%eth0")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevelopmentCertificate.generate(day, List.of("1::2::3")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fingerprintsAreSha256OfTheDerEncoding() throws Exception {
        DevelopmentCertificate dev = DevelopmentCertificate.generateDefault();
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(dev.certificate().getEncoded());

        assertThat(dev.sha256()).hasSize(32).isEqualTo(expected);
        assertThat(DevelopmentCertificate.sha256Of(dev.certificate())).isEqualTo(expected);
        assertThat(dev.sha256Hex()).isEqualTo(HexFormat.of().formatHex(expected)).matches("[0-9a-f]{64}");
        assertThat(Base64.getDecoder().decode(dev.sha256Base64())).isEqualTo(expected);
        assertThat(dev.sha256Colon()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(dev.sha256Colon().replace(":", "").toLowerCase(Locale.ROOT)).isEqualTo(dev.sha256Hex());

        // The returned array is a copy.
        dev.sha256()[0] ^= 1;
        assertThat(dev.sha256()).isEqualTo(expected);
    }

    @Test
    void pemFilesRoundTripAndLoadIntoQuicSslContext() throws Exception {
        DevelopmentCertificate dev = DevelopmentCertificate.generateDefault();
        Path certFile = dev.writeCertificatePem(dir.resolve("pem/cert.pem"));
        Path keyFile = dev.writePrivateKeyPem(dir.resolve("pem/key.pem"));

        String certPem = Files.readString(certFile, StandardCharsets.US_ASCII);
        String keyPem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        assertThat(certPem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(certPem.lines().filter(l -> !l.startsWith("-----"))).allMatch(l -> l.length() <= 64);

        try (InputStream in = Files.newInputStream(certFile)) {
            X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            assertThat(parsed).isEqualTo(dev.certificate());
        }
        String keyBase64 = keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertThat(Base64.getDecoder().decode(keyBase64)).isEqualTo(dev.privateKey().getEncoded());
        if (Files.getFileStore(keyFile).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(keyFile))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }

        QuicSslContext context = QuicSslContextBuilder.forServer(keyFile.toFile(), null, certFile.toFile())
                .applicationProtocols("h3").build();
        assertThat(context.isServer()).isTrue();

        // Writing again replaces the files.
        DevelopmentCertificate other = DevelopmentCertificate.generateDefault();
        other.writeCertificatePem(certFile);
        other.writePrivateKeyPem(keyFile);
        assertThat(Files.readString(certFile)).isNotEqualTo(certPem);
        assertThatCode(() -> QuicSslContextBuilder.forServer(keyFile.toFile(), null, certFile.toFile())
                .applicationProtocols("h3").build()).doesNotThrowAnyException();
    }
}

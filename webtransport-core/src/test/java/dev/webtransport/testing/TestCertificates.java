package dev.webtransport.testing;

import dev.webtransport.server.ServerCertificate;
import dev.webtransport.server.tls.DevelopmentCertificate;

/** One development certificate shared by the tests of a JVM. */
public final class TestCertificates {
    private static final DevelopmentCertificate CERT = DevelopmentCertificate.generateDefault();

    private TestCertificates() {
    }

    public static DevelopmentCertificate development() {
        return CERT;
    }

    public static ServerCertificate server() {
        return ServerCertificate.of(CERT.privateKey(), CERT.certificate());
    }
}

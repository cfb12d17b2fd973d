package dev.webtransport.sample;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application against a real browser: headless Chromium loads the sample page and drives the
 * {@code window.WT} helpers (WebTransport with {@code serverCertificateHashes}) against {@code /echo} and
 * {@code /chat/{room}}. One Spring context and one browser serve all tests; a failing test's message carries the
 * browser console. Skipped without Chromium unless {@code CI} is set (see {@link HeadlessChromium#requireBrowser()}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "webtransport.server.port=0")
@ExtendWith({HeadlessChromium.AvailableOrMandatory.class, HeadlessChromium.ConsoleOnFailure.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserEndToEndTest {
    /** Test helpers installed into the page: deterministic pseudo-random bytes, comparison, sleep. */
    private static final String PAGE_HELPERS = """
            window.T = {
              random(n, seed) {
                const out = new Uint8Array(n);
                let x = (seed >>> 0) || 1;
                for (let i = 0; i < n; i++) {
                  x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
                  out[i] = x & 0xff;
                }
                return out;
              },
              firstMismatch(a, b) {
                const n = Math.min(a.length, b.length);
                for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
                return a.length === b.length ? -1 : n;
              },
              async writeChunked(writable, bytes, chunk) {
                const w = writable.getWriter();
                for (let off = 0; off < bytes.length; off += chunk) {
                  await w.write(bytes.slice(off, Math.min(bytes.length, off + chunk)));
                }
                await w.close();
              },
              sleep: ms => new Promise(r => setTimeout(r, ms)),
            };
            """;

    /** Chromium starts while Spring starts the application; the first test waits for both. */
    private static CompletableFuture<HeadlessChromium> browserStart;
    private static HeadlessChromium browser;

    @LocalServerPort
    int httpPort;

    @Value("${local.webtransport.server.port}")
    int webTransportPort;

    @Autowired
    SessionLog sessionLog;

    @BeforeAll
    static void startBrowser() {
        HeadlessChromium.requireBrowser();
        browserStart = CompletableFuture.supplyAsync(() -> {
            try {
                return HeadlessChromium.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @AfterAll
    static void quitBrowser() {
        if (browserStart != null) {
            try {
                browserStart.join().close();
            } catch (CompletionException e) {
                // the start failure was already reported by the tests
            }
            browserStart = null;
            browser = null;
        }
    }

    @BeforeEach
    void openPage() throws Throwable {
        if (browser == null) {
            try {
                browser = browserStart.join();
            } catch (CompletionException e) {
                throw e.getCause();
            }
            System.out.println("chromedriver lookup: " + HeadlessChromium.driverLookupLog());
        }
        ChromeDriver driver = browser.driver();
        List<String> handles = List.copyOf(driver.getWindowHandles());
        for (String extra : handles.subList(1, handles.size())) {
            driver.switchTo().window(extra).close();
        }
        driver.switchTo().window(handles.get(0));
        browser.discardConsole(); // a failure report shows only this test's console lines
        loadPage();
    }

    private void loadPage() {
        browser.driver().get("http://127.0.0.1:" + httpPort + "/");
        browser.driver().executeScript(PAGE_HELPERS);
        browser.run("if (typeof WebTransport === 'undefined') throw new Error('no WebTransport API in this page'); "
                + "if (!window.WT) throw new Error('window.WT missing');");
    }

    @Test
    @Order(1)
    void connectsWithServerCertificateHashes() {
        Map<String, Object> r = browser.runForMap("""
                const info = await WT.info();
                const wt = await WT.connect('/echo');
                const maxDatagramSize = wt.datagrams.maxDatagramSize;
                wt.close();
                // The pin is what makes Chromium accept the self-signed certificate: a wrong hash must fail
                // (this logs an intended net::ERR_QUIC_PROTOCOL_ERROR.QUIC_TLS_CERTIFICATE_UNKNOWN to the console).
                let wrongHash;
                try {
                  const zeros = [{ algorithm: 'sha-256', value: new Uint8Array(32) }];
                  const bad = await WT.connect('/echo', { serverCertificateHashes: zeros });
                  bad.close();
                  wrongHash = 'connected';
                } catch (e) {
                  wrongHash = 'rejected: ' + e;
                }
                return { port: info.port, algorithm: info.certificateHash.algorithm,
                         hashBytes: atob(info.certificateHash.base64).length, maxDatagramSize, wrongHash };
                """);
        assertThat(r.get("port")).isEqualTo((long) webTransportPort);
        assertThat(r.get("algorithm")).isEqualTo("sha-256");
        assertThat(r.get("hashBytes")).isEqualTo(32L);
        assertThat((Long) r.get("maxDatagramSize")).as("maxDatagramSize").isPositive();
        assertThat((String) r.get("wrongHash")).startsWith("rejected");
        assertThat(HeadlessChromium.seleniumManagerLog()).as("Selenium Manager log").isEmpty();
    }

    @Test
    @Order(2)
    void echoesOneMebibyteOnABidirectionalStream() {
        int size = (1 << 20) + 4099;
        Map<String, Object> r = browser.runForMap("""
                const size = args[0];
                const data = T.random(size, 0x5eed);
                const wt = await WT.connect('/echo');
                try {
                  const s = await wt.createBidirectionalStream();
                  const reply = WT.readAll(s.readable);
                  await T.writeChunked(s.writable, data, 65536);
                  const echoed = await reply;
                  const firstMismatch = T.firstMismatch(data, echoed);
                  return { same: firstMismatch === -1, sent: data.length, received: echoed.length, firstMismatch };
                } finally {
                  wt.close();
                }
                """, size);
        assertThat(r).containsEntry("sent", (long) size).containsEntry("received", (long) size)
                .containsEntry("firstMismatch", -1L).containsEntry("same", true);
    }

    @Test
    @Order(3)
    void echoesSixteenConcurrentBidirectionalStreams() {
        Map<String, Object> r = browser.runForMap("""
                const streams = 16, size = 65536 + 17;
                const wt = await WT.connect('/echo');
                try {
                  const results = await Promise.all(Array.from({ length: streams }, async (_, i) => {
                    const data = T.random(size, i + 1);
                    const s = await wt.createBidirectionalStream();
                    const reply = WT.readAll(s.readable);
                    await T.writeChunked(s.writable, data, 8192);
                    const echoed = await reply;
                    const mismatch = T.firstMismatch(data, echoed);
                    return mismatch === -1 ? 'ok' : 'stream ' + i + ': ' + echoed.length + ' bytes, mismatch at ' + mismatch;
                  }));
                  return { streams, ok: results.filter(x => x === 'ok').length, failures: results.filter(x => x !== 'ok') };
                } finally {
                  wt.close();
                }
                """);
        assertThat(r.get("failures")).asInstanceOf(InstanceOfAssertFactories.LIST).isEmpty();
        assertThat(r).containsEntry("ok", 16L);
    }

    @Test
    @Order(4)
    void answersAUnidirectionalStreamOnAServerUnidirectionalStream() {
        Map<String, Object> r = browser.runForMap("""
                const data = T.random(args[0], 777);
                const wt = await WT.connect('/echo');
                try {
                  const incoming = wt.incomingUnidirectionalStreams.getReader();
                  const out = await wt.createUnidirectionalStream();
                  await WT.writeAll(out, data.slice());
                  const { value, done } = await incoming.read();
                  if (done) throw new Error('incomingUnidirectionalStreams ended without a stream');
                  const echoed = await WT.readAll(value);
                  return { sent: data.length, received: echoed.length, firstMismatch: T.firstMismatch(data, echoed) };
                } finally {
                  wt.close();
                }
                """, 100_000);
        assertThat(r).containsEntry("sent", 100_000L).containsEntry("received", 100_000L)
                .containsEntry("firstMismatch", -1L);
    }

    @Test
    @Order(5)
    void answersAStreamResetWithAResetOfTheSameCode() {
        Map<String, Object> r = browser.runForMap("""
                const wt = await WT.connect('/echo');
                try {
                  const s = await wt.createBidirectionalStream();
                  const reply = WT.readAll(s.readable)
                      .then(b => ({ read: b.length }), e => ({ error: String(e), code: e.streamErrorCode }));
                  const w = s.writable.getWriter();
                  await w.write(new Uint8Array(1000));
                  await w.abort(new WebTransportError({ streamErrorCode: 42 }));
                  const result = await reply;
                  // The session stays usable.
                  const s2 = await wt.createBidirectionalStream();
                  const echo = WT.readAll(s2.readable);
                  await WT.writeAll(s2.writable, new Uint8Array([1, 2, 3]));
                  return Object.assign(result, { nextStream: (await echo).length });
                } finally {
                  wt.close();
                }
                """);
        assertThat(r).as("%s", r).containsEntry("code", 42L).containsEntry("nextStream", 3L);
    }

    @Test
    @Order(6)
    void echoesDatagrams() {
        Map<String, Object> r = browser.runForMap("""
                const count = 100;
                const enc = new TextEncoder(), dec = new TextDecoder();
                const wt = await WT.connect('/echo');
                try {
                  const seen = new Set();
                  let malformed = 0;
                  const reader = wt.datagrams.readable.getReader();
                  (async () => {
                    for (;;) {
                      const { value, done } = await reader.read();
                      if (done) return;
                      const m = /^dg-(\\d+)-x{100}$/.exec(dec.decode(value));
                      if (m) seen.add(Number(m[1])); else malformed++;
                    }
                  })().catch(() => {});
                  const writer = wt.datagrams.writable.getWriter();
                  for (let i = 0; i < count; i++) {
                    await writer.ready;
                    await writer.write(enc.encode('dg-' + i + '-' + 'x'.repeat(100)));
                    if (i % 10 === 9) await T.sleep(2);
                  }
                  const deadline = Date.now() + 5000;
                  while (seen.size < count && Date.now() < deadline) await T.sleep(20);
                  return { sent: count, echoed: seen.size, malformed, maxDatagramSize: wt.datagrams.maxDatagramSize };
                } finally {
                  wt.close();
                }
                """);
        System.out.println("datagrams: " + r);
        assertThat((Long) r.get("echoed")).as("datagrams echoed of 100: %s", r).isGreaterThanOrEqualTo(90L);
        assertThat(r).containsEntry("malformed", 0L);
    }

    @Test
    @Order(7)
    void closeFromTheBrowserCarriesCodeAndReason() throws Exception {
        Predicate<Map<String, Object>> ours = e -> "/echo".equals(e.get("path"))
                && Objects.equals(e.get("code"), 4000L) && "bye from browser".equals(e.get("reason"))
                && "client".equals(e.get("closedBy"));
        long before = sessionLog.recent().stream().filter(ours).count();
        Map<String, Object> r = browser.runForMap("""
                const wt = await WT.connect('/echo');
                wt.close({ closeCode: 4000, reason: 'bye from browser' });
                const info = await wt.closed;
                return { closeCode: info.closeCode, reason: info.reason };
                """);
        assertThat(r).containsEntry("closeCode", 4000L).containsEntry("reason", "bye from browser");

        Map<String, Object> seen = awaitClose(ours, before);
        assertThat(seen).containsEntry("closedBy", "client");
        String json = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/closed-sessions")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(json).contains("\"code\":4000").contains("\"reason\":\"bye from browser\"")
                .contains("\"closedBy\":\"client\"");
    }

    @Test
    @Order(8)
    void closeFromTheServerIsSeenByTheBrowser() {
        Predicate<Map<String, Object>> ours = e -> "/echo".equals(e.get("path"))
                && Objects.equals(e.get("code"), 4001L) && "server says bye".equals(e.get("reason"))
                && "server".equals(e.get("closedBy"));
        long before = sessionLog.recent().stream().filter(ours).count();
        Map<String, Object> r = browser.runForMap("""
                const wt = await WT.connect('/echo');
                const s = await wt.createUnidirectionalStream();
                // The server may close the session before the FIN of this stream is acknowledged.
                const written = await WT.writeAll(s, new TextEncoder().encode('!close 4001 server says bye'))
                    .then(() => 'closed', e => 'rejected: ' + e);
                const info = await wt.closed;
                return { closeCode: info.closeCode, reason: info.reason, written };
                """);
        assertThat(r).containsEntry("closeCode", 4001L).containsEntry("reason", "server says bye");
        awaitClose(ours, before);
    }

    @Test
    @Order(9)
    void chatMessageReachesAnotherPage() {
        ChromeDriver driver = browser.driver();
        // app.js declares a global `chat`; the test's own sessions live in window.testChat.
        String pageA = driver.getWindowHandle();
        String message = "hello from A " + System.nanoTime();

        driver.switchTo().newWindow(WindowType.TAB);
        loadPage();
        browser.run("""
                window.testChat = await WT.connect('/chat/room1');
                window.testChatReceived = [];
                const reader = testChat.incomingUnidirectionalStreams.getReader();
                (async () => {
                  for (;;) {
                    const { value, done } = await reader.read();
                    if (done) return;
                    WT.readAll(value).then(b => testChatReceived.push(new TextDecoder().decode(b)));
                  }
                })().catch(() => {});
                """);
        String pageB = driver.getWindowHandle();

        driver.switchTo().window(pageA);
        Map<String, Object> a = browser.runForMap("""
                const message = args[0];
                const wt = await WT.connect('/chat/room1');
                window.testChat = wt;
                const received = [];
                const reader = wt.incomingUnidirectionalStreams.getReader();
                (async () => {
                  for (;;) {
                    const { value, done } = await reader.read();
                    if (done) return;
                    WT.readAll(value).then(b => received.push(new TextDecoder().decode(b)));
                  }
                })().catch(() => {});
                const out = await wt.createUnidirectionalStream();
                await WT.writeAll(out, new TextEncoder().encode(message));
                while (!received.includes(message)) await T.sleep(20);
                return { received };
                """, message);
        assertThat(a.get("received")).asInstanceOf(InstanceOfAssertFactories.LIST)
                .as("page A receives its own message").contains(message);

        driver.switchTo().window(pageB);
        Map<String, Object> b = browser.runForMap("""
                while (!testChatReceived.includes(args[0])) await T.sleep(20);
                testChat.close({ closeCode: 0, reason: 'left' });
                await testChat.closed;
                return { received: testChatReceived };
                """, message);
        assertThat(b.get("received")).asInstanceOf(InstanceOfAssertFactories.LIST)
                .as("page B's chat messages").contains(message);
        driver.close();

        driver.switchTo().window(pageA);
        browser.run("testChat.close({ closeCode: 0, reason: 'left' }); await testChat.closed;");
    }

    /** Waits until a new close matching {@code ours} has been recorded by an endpoint's close callback. */
    private Map<String, Object> awaitClose(Predicate<Map<String, Object>> ours, long before) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<Map<String, Object>> matches = sessionLog.recent().stream().filter(ours).toList();
            if (matches.size() > before) {
                return matches.get(0);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no matching close recorded by the server within 10 s; recent closes: "
                + sessionLog.recent());
    }
}

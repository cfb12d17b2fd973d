package dev.webtransport.sample;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One headless Chromium driven through the system's chromedriver (never a downloaded one), with the flags from
 * {@code browser-testing.md}, browser console capture, and JavaScript helpers that report promise rejections instead
 * of timing out. As a JUnit extension it appends the browser console of every open window to a failing test's
 * message.
 *
 * <p>Availability: with the environment variable {@code CI} set a missing browser fails the tests; otherwise they are
 * skipped. The paths default to {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} and can be overridden
 * with the system properties {@code webtransport.test.chromium} and {@code webtransport.test.chromedriver}.
 */
final class HeadlessChromium implements AutoCloseable {
    static final String CHROMIUM = System.getProperty("webtransport.test.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("webtransport.test.chromedriver", "/usr/bin/chromedriver");
    /** Upper bound for one browser script; the scripts themselves give up a few seconds earlier with a clear error. */
    static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(40);
    static final long JS_TIMEOUT_MILLIS = 30_000;

    /** Selenium Manager would download browsers and drivers; these handlers prove it never runs. */
    private static final Logger SELENIUM_MANAGER_LOG = Logger.getLogger("org.openqa.selenium.manager");
    private static final Logger DRIVER_FINDER_LOG = Logger.getLogger("org.openqa.selenium.remote.service.DriverFinder");
    private static final List<String> SELENIUM_MANAGER_RECORDS = new CopyOnWriteArrayList<>();
    private static final List<String> DRIVER_FINDER_RECORDS = new CopyOnWriteArrayList<>();

    private static volatile HeadlessChromium current;

    private final ChromeDriver driver;
    private final Path userDataDir;

    private HeadlessChromium(ChromeDriver driver, Path userDataDir) {
        this.driver = driver;
        this.userDataDir = userDataDir;
    }

    static boolean browserPresent() {
        return Files.isExecutable(Paths.get(CHROMIUM)) && Files.isExecutable(Paths.get(CHROMEDRIVER));
    }

    static boolean mandatory() {
        return System.getenv("CI") != null;
    }

    static String missingBrowserMessage() {
        return "Browser tests skipped: " + CHROMIUM + " or " + CHROMEDRIVER
                + " missing; enable them with: apt-get install -y chromium chromium-driver";
    }

    /** Fails (with {@code CI} set) or aborts the calling test class when Chromium or chromedriver is missing. */
    static void requireBrowser() {
        if (browserPresent()) {
            return;
        }
        if (mandatory()) {
            fail("CI is set, so the browser tests are mandatory, but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing; install them with: apt-get install -y chromium chromium-driver");
        }
        Assumptions.abort(missingBrowserMessage());
    }

    /**
     * Disables a test class, before any Spring context starts, when the browser is missing and {@code CI} is not
     * set; with {@code CI} set the class runs and {@link #requireBrowser()} fails it.
     */
    static final class AvailableOrMandatory implements ExecutionCondition {
        private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (browserPresent() || mandatory()) {
                return ConditionEvaluationResult.enabled("browser present or CI set");
            }
            if (ANNOUNCED.compareAndSet(false, true)) {
                // Surefire sends System.err to a report file; the process's own stderr reaches the build console.
                new PrintStream(new FileOutputStream(FileDescriptor.err), true).println(missingBrowserMessage());
            }
            return ConditionEvaluationResult.disabled(missingBrowserMessage());
        }
    }

    /** Starts the browser. Selenium Manager is bypassed: both executables are given explicitly. */
    static HeadlessChromium start() throws IOException {
        watchSeleniumManager();
        Path userDataDir = Files.createTempDirectory("wt-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + userDataDir,
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE ::1");
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logging);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .withLogFile(new File("target/chromedriver.log"))
                .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            deleteRecursively(userDataDir);
            throw e;
        }
        HeadlessChromium browser = new HeadlessChromium(driver, userDataDir);
        driver.manage().timeouts().scriptTimeout(SCRIPT_TIMEOUT);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        if (!SELENIUM_MANAGER_RECORDS.isEmpty()) {
            browser.close();
            fail("Selenium Manager ran (it may download browsers or drivers): " + SELENIUM_MANAGER_RECORDS);
        }
        current = browser;
        return browser;
    }

    /** Log lines of the driver lookup, to show that the configured chromedriver was used. */
    static List<String> driverLookupLog() {
        return List.copyOf(DRIVER_FINDER_RECORDS);
    }

    /** Selenium Manager log lines seen so far (expected: none). */
    static List<String> seleniumManagerLog() {
        return List.copyOf(SELENIUM_MANAGER_RECORDS);
    }

    ChromeDriver driver() {
        return driver;
    }

    /**
     * Runs {@code body} as the body of an async JavaScript function with the given arguments available as
     * {@code args}, and returns its result. A rejected promise or a JavaScript-side timeout becomes an
     * {@link AssertionError} carrying the error text (for a {@code WebTransportError}: source and stream error code).
     */
    Object run(String body, Object... args) {
        String script = """
                const done = arguments[arguments.length - 1];
                const args = Array.prototype.slice.call(arguments, 0, arguments.length - 1);
                const describe = e => {
                  if (!e) return String(e);
                  let s = String(e);
                  if (e.source !== undefined) s += ' [source=' + e.source + ', streamErrorCode=' + e.streamErrorCode + ']';
                  if (e.stack) s += '\\n' + e.stack;
                  return s;
                };
                const timeout = new Promise((_, reject) =>
                    setTimeout(() => reject(new Error('browser script timed out after %d ms')), %d));
                Promise.race([(async () => { %s })(), timeout])
                    .then(value => done({ ok: true, value: value === undefined ? null : value }),
                          e => done({ ok: false, error: describe(e) }));
                """.formatted(JS_TIMEOUT_MILLIS, JS_TIMEOUT_MILLIS, body);
        Object result = driver.executeAsyncScript(script, args);
        if (!(result instanceof Map<?, ?> map)) {
            throw new AssertionError("unexpected browser script result: " + result);
        }
        if (!Boolean.TRUE.equals(map.get("ok"))) {
            throw new AssertionError("browser script failed: " + map.get("error"));
        }
        return map.get("value");
    }

    /** Same as {@link #run} for scripts that return an object. */
    @SuppressWarnings("unchecked")
    Map<String, Object> runForMap(String body, Object... args) {
        Object value = run(body, args);
        if (!(value instanceof Map<?, ?>)) {
            throw new AssertionError("browser script returned " + value + ", expected an object");
        }
        return (Map<String, Object>) value;
    }

    /** Drops the console lines buffered so far for the current window. */
    void discardConsole() {
        driver.manage().logs().get(LogType.BROWSER);
    }

    /** The browser console of every open window, oldest first; reading it empties Chromium's buffer. */
    String consoleOfAllWindows() {
        StringBuilder out = new StringBuilder();
        String original = null;
        try {
            original = driver.getWindowHandle();
        } catch (WebDriverException ignored) {
            // the current window may be gone; the others are still listed
        }
        for (String handle : driver.getWindowHandles()) {
            try {
                driver.switchTo().window(handle);
                out.append("[window ").append(handle).append(" ").append(driver.getCurrentUrl()).append("]\n");
                for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
                    out.append(Instant.ofEpochMilli(entry.getTimestamp())).append(' ').append(entry.getLevel())
                            .append(' ').append(entry.getMessage()).append('\n');
                }
            } catch (WebDriverException e) {
                out.append("(console unavailable: ").append(e.getMessage().lines().findFirst().orElse("")).append(")\n");
            }
        }
        if (original != null) {
            try {
                driver.switchTo().window(original);
            } catch (WebDriverException ignored) {
                // nothing to restore
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (current == this) {
            current = null;
        }
        try {
            driver.quit();
        } finally {
            deleteRecursively(userDataDir);
        }
    }

    private static synchronized void watchSeleniumManager() {
        if (SELENIUM_MANAGER_LOG.getHandlers().length > 0) {
            return;
        }
        SELENIUM_MANAGER_LOG.setLevel(Level.ALL);
        SELENIUM_MANAGER_LOG.addHandler(collector(SELENIUM_MANAGER_RECORDS));
        DRIVER_FINDER_LOG.setLevel(Level.ALL);
        DRIVER_FINDER_LOG.addHandler(collector(DRIVER_FINDER_RECORDS));
    }

    private static Handler collector(List<String> sink) {
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                sink.add(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        return handler;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp dir is harmless
        }
    }

    /** Appends the browser console to the failure of a test (or of a lifecycle method) run with this browser. */
    static final class ConsoleOnFailure implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
            throw withConsole(throwable);
        }

        @Override
        public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
                throws Throwable {
            throw withConsole(throwable);
        }

        @Override
        public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
                throws Throwable {
            throw withConsole(throwable);
        }

        private static Throwable withConsole(Throwable throwable) {
            HeadlessChromium browser = current;
            if (browser == null || throwable instanceof org.opentest4j.TestAbortedException) {
                return throwable;
            }
            String console;
            try {
                console = browser.consoleOfAllWindows();
            } catch (RuntimeException e) {
                console = "(could not read the browser console: " + e + ")";
            }
            List<String> lines = new ArrayList<>();
            lines.add(String.valueOf(throwable.getMessage()));
            lines.add("--- browser console ---");
            lines.add(console.isEmpty() ? "(empty)" : console.stripTrailing());
            AssertionError error = new AssertionError(String.join("\n", lines), throwable);
            error.setStackTrace(throwable.getStackTrace());
            return error;
        }
    }
}

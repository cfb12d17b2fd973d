package dev.webtransport.autoconfigure;

import dev.webtransport.server.WebTransportServer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the {@link WebTransportServer} with the application context and stops it gracefully (DRAIN and GOAWAY,
 * then close after the drain timeout). The bound port is published as {@code local.webtransport.server.port}.
 */
public class WebTransportServerLifecycle implements SmartLifecycle {
    /** Property holding the bound UDP port once the server started. */
    public static final String PORT_PROPERTY = "local.webtransport.server.port";
    private static final String PROPERTY_SOURCE = "webtransport.server.ports";

    private final WebTransportServer server;
    private final Duration drainTimeout;
    private final ApplicationContext context;
    private volatile boolean running;

    public WebTransportServerLifecycle(WebTransportServer server, Duration drainTimeout, ApplicationContext context) {
        this.server = server;
        this.drainTimeout = drainTimeout;
        this.context = context;
    }

    @Override
    public void start() {
        server.start();
        running = true;
        publishPort(server.port());
    }

    @Override
    public void stop() {
        if (running) {
            running = false;
            try {
                server.shutdown(drainTimeout).get(drainTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("WebTransport server did not stop cleanly: " + e, e);
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts late and stops early, like Boot's web servers (graceful shutdown phase). */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1024;
    }

    private void publishPort(int port) {
        ApplicationContext ctx = context;
        while (ctx != null) {
            if (ctx instanceof ConfigurableApplicationContext cac) {
                ConfigurableEnvironment env = cac.getEnvironment();
                MutablePropertySources sources = env.getPropertySources();
                PropertySource<?> existing = sources.get(PROPERTY_SOURCE);
                Map<String, Object> map = new HashMap<>();
                map.put(PORT_PROPERTY, port);
                if (existing != null) {
                    sources.replace(PROPERTY_SOURCE, new MapPropertySource(PROPERTY_SOURCE, map));
                } else {
                    sources.addFirst(new MapPropertySource(PROPERTY_SOURCE, map));
                }
            }
            ctx = ctx.getParent();
        }
    }
}

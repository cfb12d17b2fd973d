package dev.webtransport.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fails a test class when Netty's leak detector reported a leaked buffer while it ran. Registered for every test
 * through JUnit's extension auto-detection; the build runs with {@code -Dio.netty.leakDetection.level=paranoid}.
 */
public final class LeakDetectionExtension implements AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                      long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.add(resourceType + " leak:" + records);
                        super.reportTracedLeak(resourceType, records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.add(resourceType + " leak (untraced)");
                        super.reportUntracedLeak(resourceType);
                    }
                };
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // Leaks are detected when the leaked object is collected and a later allocation polls the queue.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            io.netty.buffer.ByteBuf probe = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
            io.netty.buffer.ByteBuf probe2 = io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.buffer(1);
            probe2.release();
        }
        if (!LEAKS.isEmpty()) {
            List<String> copy = List.copyOf(LEAKS);
            LEAKS.clear();
            throw new AssertionError("Netty buffer leak(s) detected in " + context.getDisplayName() + ":\n"
                    + String.join("\n", copy));
        }
    }
}

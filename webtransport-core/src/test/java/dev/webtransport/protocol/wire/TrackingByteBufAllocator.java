package dev.webtransport.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Test allocator that remembers every buffer it hands out, so a test can assert that all of them
 * were released (a deterministic complement to Netty's paranoid leak detection).
 */
final class TrackingByteBufAllocator extends AbstractByteBufAllocator {

    private final UnpooledByteBufAllocator delegate = new UnpooledByteBufAllocator(false, true);
    private final List<ByteBuf> allocated = new ArrayList<>();

    TrackingByteBufAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.directBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    int allocationCount() {
        return allocated.size();
    }

    /** Fails if any buffer handed out is still referenced. */
    void assertAllReleased() {
        for (ByteBuf buffer : allocated) {
            assertThat(buffer.refCnt()).as("reference count of %s", buffer).isZero();
        }
    }

    private ByteBuf track(ByteBuf buffer) {
        allocated.add(buffer);
        return buffer;
    }
}

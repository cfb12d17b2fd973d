package dev.webtransport.interop.flupke;

import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.kwik.core.log.BaseLogger;

/**
 * Routes kwik's own logger into SLF4J (logger {@code tech.kwik.<role>}): errors at WARN, everything else
 * at DEBUG. Kwik's categories are off by default except warnings; set the system property
 * {@code interop.kwik.log=packets} to also log every QUIC packet/frame, or {@code =debug} for kwik's
 * info/debug/stream output (both at SLF4J DEBUG, so enable that logger too).
 */
public final class KwikSlf4jLogger extends BaseLogger {

    private final Logger log;

    /**
     * Creates a logger for one role ("client" or "server"), configured from {@code interop.kwik.log}.
     *
     * @param role suffix of the SLF4J logger name
     */
    public KwikSlf4jLogger(String role) {
        this.log = LoggerFactory.getLogger("tech.kwik." + role);
        logWarning(true);
        String mode = System.getProperty("interop.kwik.log", "");
        if (mode.contains("packets")) {
            logPackets(true);
        }
        if (mode.contains("debug")) {
            logInfo(true);
            logDebug(true);
            logStream(true);
        }
    }

    @Override
    protected void log(String message) {
        if (message.contains("Error: ")) {
            log.warn(message);
        }
        else {
            log.debug(message);
        }
    }

    @Override
    protected void log(String message, Throwable ex) {
        log.warn(message, ex);
    }

    @Override
    protected void logWithHexDump(String message, byte[] data, int length) {
        log.debug("{}\n{}", message, byteToHexBlock(data, length));
    }

    @Override
    protected void logWithHexDump(String message, ByteBuffer data, int offset, int length) {
        log.debug("{}\n{}", message, byteToHexBlock(data, offset, length));
    }
}

package dev.webtransport.autoconfigure.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Called for each datagram. Parameters: the session and the payload ({@code byte[]}, {@code String}, {@code ByteBuffer}). A returned payload is sent back as a datagram. Handler methods run on the application task executor, never on a network thread.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnDatagram {
}

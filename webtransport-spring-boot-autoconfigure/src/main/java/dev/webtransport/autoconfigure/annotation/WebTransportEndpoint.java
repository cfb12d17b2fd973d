package dev.webtransport.autoconfigure.annotation;

import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean as the WebTransport endpoint for a path (template), such as {@code "/chat"} or
 * {@code "/rooms/{room}"}. The bean either implements {@link dev.webtransport.autoconfigure.WebTransportHandler} or
 * declares methods annotated with {@link OnSessionRequest}, {@link OnOpen}, {@link OnBidirectionalStream},
 * {@link OnUnidirectionalStream}, {@link OnDatagram}, {@link OnDraining}, {@link OnClose} and {@link OnError}.
 * As a {@link Component} it is found by component scanning.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface WebTransportEndpoint {
    /** The path template. */
    @AliasFor("path")
    String value() default "";

    /** The path template (alias of {@link #value()}). */
    @AliasFor("value")
    String path() default "";

    /**
     * Subprotocols this endpoint speaks, in preference order. When the client offers some
     * ({@code wt-available-protocols}), the first of the client's list that is also here is chosen; a client offering
     * only others is rejected with 400. Empty: no negotiation.
     */
    String[] protocols() default {};
}

package dev.webtransport.autoconfigure.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Called for each session request before any session state exists. Parameters: {@link dev.webtransport.session.SessionRequest}, {@link PathVariable}, {@link RequestHeader}. Return nothing (accept), a boolean (false rejects with 403), an int HTTP status (2xx accepts, anything else rejects with it), or a {@link dev.webtransport.session.SessionDecision}; throwing rejects with 500. Handler methods run on the application task executor, never on a network thread.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnSessionRequest {
}

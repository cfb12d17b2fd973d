package dev.webtransport.protocol;

import java.time.Duration;

/** An operation did not finish within its timeout. */
public class WebTransportTimeoutException extends WebTransportException {
    public WebTransportTimeoutException(String what, Duration timeout) {
        super(what + " timed out after " + timeout.toMillis() + " ms");
    }
}

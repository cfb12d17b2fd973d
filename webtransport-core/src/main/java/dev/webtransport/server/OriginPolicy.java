package dev.webtransport.server;

import dev.webtransport.session.SessionRequest;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which {@code origin} headers may open sessions. Browsers always send one; non-browser clients (Flupke, our Java
 * client) usually send none, and a request without an origin is allowed: an origin check protects browser users from
 * other web pages, and a non-browser client could forge any origin anyway.
 *
 * <p>With no allowed origins configured the rule is same-origin: the origin's host must equal the request's
 * {@code :authority} host. {@code "*"} allows every origin.
 */
public final class OriginPolicy {
    private final Set<String> allowed;

    private OriginPolicy(Set<String> allowed) {
        this.allowed = allowed;
    }

    /** Allows exactly these origins ({@code scheme://host[:port]}), or every origin with {@code "*"}. */
    public static OriginPolicy allow(List<String> origins) {
        return new OriginPolicy(origins.stream().map(o -> o.trim().toLowerCase(Locale.ROOT).replaceAll("/+$", ""))
                .collect(Collectors.toUnmodifiableSet()));
    }

    /** Same-origin only. */
    public static OriginPolicy sameOrigin() {
        return new OriginPolicy(Set.of());
    }

    /** Every origin. */
    public static OriginPolicy any() {
        return new OriginPolicy(Set.of("*"));
    }

    /** Whether the request's origin is acceptable. */
    public boolean permits(SessionRequest request) {
        String origin = request.origin();
        if (origin == null) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (allowed.contains("*") || allowed.contains(o)) {
            return true;
        }
        if (!allowed.isEmpty()) {
            return false;
        }
        try {
            String originHost = URI.create(o).getHost();
            String authority = request.authority();
            String authorityHost = URI.create("https://" + authority).getHost();
            return originHost != null && originHost.equalsIgnoreCase(authorityHost);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

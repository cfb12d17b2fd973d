package dev.webtransport.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request-path pattern such as {@code /rooms/{room}}: literal segments match exactly, {@code {name}} matches one
 * non-empty segment and captures it. A trailing slash is ignored on both sides.
 */
public final class PathTemplate {
    private final String pattern;
    private final List<String> segments;

    public PathTemplate(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("path template must start with '/': " + pattern);
        }
        this.pattern = pattern;
        this.segments = split(pattern);
        for (String s : segments) {
            if (s.startsWith("{") != s.endsWith("}") || (s.startsWith("{") && s.length() < 3)) {
                throw new IllegalArgumentException("malformed variable segment '" + s + "' in " + pattern);
            }
        }
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** The captured variables when {@code path} matches, else null. */
    public Map<String, String> match(String path) {
        List<String> parts = split(path);
        if (parts.size() != segments.size()) {
            return null;
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            String t = segments.get(i);
            String p = parts.get(i);
            if (t.startsWith("{")) {
                vars.put(t.substring(1, t.length() - 1), java.net.URLDecoder.decode(p, java.nio.charset.StandardCharsets.UTF_8));
            } else if (!t.equals(p)) {
                return null;
            }
        }
        return vars;
    }

    /** Whether this template has no variables. */
    public boolean isLiteral() {
        return segments.stream().noneMatch(s -> s.startsWith("{"));
    }

    public String pattern() {
        return pattern;
    }

    @Override
    public String toString() {
        return pattern;
    }
}

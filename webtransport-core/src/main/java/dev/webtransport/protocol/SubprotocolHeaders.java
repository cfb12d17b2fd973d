package dev.webtransport.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code wt-available-protocols} (Structured Fields list of strings) and {@code wt-protocol} (string item), draft-13+.
 * A list with any member that is not a string is ignored as a whole; parameters are ignored.
 */
final class SubprotocolHeaders {
    private SubprotocolHeaders() {
    }

    /** The offered protocols in preference order, empty when absent or malformed. */
    static List<String> parseList(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        int i = 0;
        int n = value.length();
        while (i < n) {
            while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            if (value.charAt(i) != '"') {
                return new ArrayList<>();
            }
            StringBuilder sb = new StringBuilder();
            i++;
            boolean closed = false;
            while (i < n) {
                char c = value.charAt(i++);
                if (c == '\\' && i < n) {
                    sb.append(value.charAt(i++));
                } else if (c == '"') {
                    closed = true;
                    break;
                } else if (c < 0x20 || c > 0x7e) {
                    return new ArrayList<>();
                } else {
                    sb.append(c);
                }
            }
            if (!closed) {
                return new ArrayList<>();
            }
            out.add(sb.toString());
            while (i < n && value.charAt(i) != ',') {
                i++; // skip parameters
            }
            i++;
        }
        return out;
    }

    /** A single SF string item, or null when malformed. */
    static String parseItem(String value) {
        List<String> l = parseList(value);
        return l.size() == 1 ? l.get(0) : null;
    }

    /** Formats a protocol as an SF string. */
    static String formatItem(String protocol) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : protocol.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }
}

package io.canopy.config;

import java.util.regex.Pattern;

/**
 * Fills in bind and connect URIs such as {@code tcp://%h:%p}: {@code %h} becomes the host name,
 * {@code %p} the port and {@code %%} a single percent sign, as in flux-core's bootstrap table.
 */
final class UriTemplate {
    private static final Pattern SCHEME = Pattern.compile("(tcp|ipc|inproc)://.+");

    private UriTemplate() {}

    /** Refuses a template with an unknown {@code %} escape or a scheme ZeroMQ does not offer us. */
    static void check(TomlTable t, String key, String template) throws ConfigException {
        for (int i = 0; i < template.length(); i++) {
            if (template.charAt(i) == '%') {
                char next = i + 1 < template.length() ? template.charAt(i + 1) : ' ';
                if (next != 'h' && next != 'p' && next != '%') {
                    throw t.error(key, "\"" + template + "\" has an unknown escape %" + (next == ' ' ? "" : next),
                            "use %h for the host name, %p for the port, %% for a percent sign");
                }
                i++;
            }
        }
        if (!SCHEME.matcher(template).matches()) {
            throw t.error(key, "\"" + template + "\" is not a tcp://, ipc:// or inproc:// URI",
                    "write e.g. \"tcp://*:%p\" to bind or \"tcp://%h:%p\" to connect");
        }
    }

    /** The template with its escapes replaced; {@link #check} must have accepted it. */
    static String expand(String template, String host, int port) {
        StringBuilder sb = new StringBuilder(template.length() + 16);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            char next = template.charAt(++i);
            sb.append(next == 'h' ? host : next == 'p' ? Integer.toString(port) : "%");
        }
        return sb.toString();
    }
}

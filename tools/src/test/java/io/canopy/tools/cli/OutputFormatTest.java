package io.canopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code -o} formats: alignment, width, precision, braces, and errors that list the valid fields. */
class OutputFormatTest {
    private static final Map<String, OutputFormat.Field<String[]>> FIELDS = OutputFormat.fields(
            new OutputFormat.Field<>("name", "NAME", r -> r[0]),
            new OutputFormat.Field<>("count", "COUNT", r -> r[1]));

    @Test
    void fieldsAreLaidOutLikePythonFormatStrings() {
        OutputFormat<String[]> f = OutputFormat.parse("{name:>6}|{count:<4}|{name:^7}|{name:.2}|{{x}}", FIELDS);

        assertEquals("  NAME|COUNT| NAME  |NA|{x}", f.header());
        assertEquals("   abc|7   |  abc  |ab|{x}", f.row(new String[] {"abc", "7"}));
    }

    @Test
    void trailingBlanksAreDropped() {
        OutputFormat<String[]> f = OutputFormat.parse("{name:<10} {count:<10}", FIELDS);

        assertEquals("abc        1", f.row(new String[] {"abc", "1"}));
        assertEquals("abc", f.row(new String[] {"abc", ""}));
    }

    @Test
    void unknownFieldsAndBrokenBracesAreErrorsThatSayWhatToWrite() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.parse("{name} {size}", FIELDS));
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.parse("{name", FIELDS));
        IllegalArgumentException close = assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.parse("name}", FIELDS));
        IllegalArgumentException layout = assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.parse("{name:wide}", FIELDS));

        assertEquals("--format: unknown field 'size' (valid fields: name, count)", unknown.getMessage());
        assertEquals("--format: '{' at position 1 is never closed (write {field} or {field:>10}; {{ for a brace)",
                open.getMessage());
        assertEquals("--format: '}' at position 5 has no '{' (write }} for a brace)", close.getMessage());
        assertEquals("--format: '{name:wide}' has a layout I cannot read (write {name}, {name:>10}, {name:<20} or "
                + "{name:.30})", layout.getMessage());
    }
}

package dev.hyperweave.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Just enough JSON for the one-line results the benchmark processes print. */
final class Json {
    private final String s;
    private int i;

    private Json(String s) { this.s = s; }

    /** Parses the last line of {@code text} that starts with '{'. */
    static Map<String, Object> parse(String text) {
        String line = null;
        for (String l : text.split("\n")) if (l.trim().startsWith("{")) line = l.trim();
        if (line == null) throw new IllegalArgumentException("no JSON object in output: " + text);
        Object v = new Json(line).value();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return m;
    }

    static List<Double> numbers(Object list) {
        List<Double> out = new ArrayList<>();
        if (list instanceof List<?> l) for (Object o : l) if (o instanceof Number n) out.add(n.doubleValue());
        return out;
    }

    static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String num(double v) {
        // Every digit the double has: chart.py rounds the ratios as the table does (Java's %.2f, half up
        // on these digits); from four decimals it drew 2.08x where the table said 2.09x.
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    static String list(List<Double> xs) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < xs.size(); k++) sb.append(k > 0 ? "," : "").append(num(xs.get(k)));
        return sb.append(']').toString();
    }

    private Object value() {
        ws();
        char c = s.charAt(i);
        if (c == '{') {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (s.charAt(i) == '}') { i++; return m; }
            while (true) {
                ws();
                String key = (String) value();
                ws();
                expect(':');
                m.put(key, value());
                ws();
                if (s.charAt(i) == ',') { i++; continue; }
                expect('}');
                return m;
            }
        }
        if (c == '[') {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (s.charAt(i) == ']') { i++; return l; }
            while (true) {
                l.add(value());
                ws();
                if (s.charAt(i) == ',') { i++; continue; }
                expect(']');
                return l;
            }
        }
        if (c == '"') {
            StringBuilder sb = new StringBuilder();
            i++;
            while (s.charAt(i) != '"') {
                char ch = s.charAt(i++);
                if (ch == '\\') {
                    char e = s.charAt(i++);
                    sb.append(switch (e) { case 'n' -> '\n'; case 't' -> '\t'; default -> e; });
                } else {
                    sb.append(ch);
                }
            }
            i++;
            return sb.toString();
        }
        if (s.startsWith("null", i)) { i += 4; return null; }
        if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
        if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
        if (s.startsWith("NaN", i)) { i += 3; return Double.NaN; }
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
        if (start == i) throw new IllegalArgumentException("bad JSON at " + i + ": " + s);
        return Double.parseDouble(s.substring(start, i));
    }

    private void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

    private void expect(char c) {
        if (s.charAt(i) != c) throw new IllegalArgumentException("expected '" + c + "' at " + i + " in " + s);
        i++;
    }
}

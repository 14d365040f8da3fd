package io.channelgateway.channel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON this SDK needs (RFC 8259), so that it has no dependencies. Values map to {@code Map}
 * (insertion order), {@code List}, {@code String}, {@code Long} or {@code Double}, {@code Boolean} and
 * {@code null}. Parsing is strict: anything else is an {@link IllegalArgumentException} with the offset.
 */
final class Json {
  private static final int MAXIMUM_DEPTH = 64;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  // ---- writing ----

  /** Encodes maps with string keys, lists, strings, integral numbers, booleans and null. */
  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      writeString((String) value, out);
    } else if (value instanceof Boolean) {
      out.append(value.toString());
    } else if (value instanceof Integer || value instanceof Long) {
      out.append(value.toString());
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        if (!(entry.getKey() instanceof String)) throw new IllegalArgumentException("JSON object keys must be strings");
        if (!first) out.append(',');
        first = false;
        writeString((String) entry.getKey(), out);
        out.append(':');
        write(entry.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof List) {
      out.append('[');
      boolean first = true;
      for (Object item : (List<?>) value) {
        if (!first) out.append(',');
        first = false;
        write(item, out);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("cannot encode " + value.getClass().getName() + " as JSON");
    }
  }

  /** Quotes, backslashes and every control character are escaped; U+2028/U+2029 too, for JavaScript readers. */
  private static void writeString(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 15]).append(HEX[(c >> 4) & 15]).append(HEX[c & 15]);
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  // ---- parsing ----

  /** Parses one JSON value filling the whole text (surrounding white space allowed). */
  static Object parse(String text) {
    Json parser = new Json(text);
    parser.skipSpace();
    Object value = parser.value(0);
    parser.skipSpace();
    if (parser.at != text.length()) throw parser.error("unexpected text after the value");
    return value;
  }

  private Object value(int depth) {
    if (depth > MAXIMUM_DEPTH) throw error("nested deeper than " + MAXIMUM_DEPTH);
    if (at >= text.length()) throw error("unexpected end");
    char c = text.charAt(at);
    switch (c) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true", Boolean.TRUE);
      case 'f': return literal("false", Boolean.FALSE);
      case 'n': return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected character '" + c + "'");
    }
  }

  private Map<String, Object> object(int depth) {
    Map<String, Object> map = new LinkedHashMap<>();
    at++;
    skipSpace();
    if (peek() == '}') {
      at++;
      return map;
    }
    for (;;) {
      skipSpace();
      if (peek() != '"') throw error("expected a string key");
      String key = string();
      skipSpace();
      expect(':');
      skipSpace();
      map.put(key, value(depth + 1));
      skipSpace();
      char c = next();
      if (c == '}') return map;
      if (c != ',') throw error("expected ',' or '}'");
    }
  }

  private List<Object> array(int depth) {
    List<Object> list = new ArrayList<>();
    at++;
    skipSpace();
    if (peek() == ']') {
      at++;
      return list;
    }
    for (;;) {
      skipSpace();
      list.add(value(depth + 1));
      skipSpace();
      char c = next();
      if (c == ']') return list;
      if (c != ',') throw error("expected ',' or ']'");
    }
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    for (;;) {
      char c = next();
      if (c == '"') return out.toString();
      if (c < 0x20) throw error("control character in a string");
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char escape = next();
      switch (escape) {
        case '"': out.append('"'); break;
        case '\\': out.append('\\'); break;
        case '/': out.append('/'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'u': out.append(hex4()); break;
        default: throw error("bad escape '\\" + escape + "'");
      }
    }
  }

  private char hex4() {
    if (at + 4 > text.length()) throw error("unexpected end in \\u escape");
    int code = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Hex.digit(text.charAt(at++));
      if (digit < 0) throw error("bad \\u escape");
      code = code * 16 + digit;
    }
    return (char) code;
  }

  private Object number() {
    int start = at;
    if (peek() == '-') at++;
    if (peek() == '0') {
      at++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) at++;
    } else {
      throw error("bad number");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      at++;
      if (!isDigit(peek())) throw error("bad number");
      while (isDigit(peek())) at++;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      at++;
      if (peek() == '+' || peek() == '-') at++;
      if (!isDigit(peek())) throw error("bad number");
      while (isDigit(peek())) at++;
    }
    String literal = text.substring(start, at);
    if (integral && at - start <= 18) return Long.parseLong(literal);
    return Double.parseDouble(literal);
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, at)) throw error("unexpected literal");
    at += word.length();
    return value;
  }

  private void skipSpace() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      at++;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The character at the cursor, or NUL at the end (never valid where it is checked). */
  private char peek() {
    return at < text.length() ? text.charAt(at) : '\0';
  }

  private char next() {
    if (at >= text.length()) throw error("unexpected end");
    return text.charAt(at++);
  }

  private void expect(char c) {
    if (next() != c) {
      at--;
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String problem) {
    return new IllegalArgumentException("invalid JSON at offset " + at + ": " + problem);
  }
}

package io.channelgateway.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {
  @Test
  void escapesEverythingThatMustBeEscaped() {
    String tricky = "q\" b\\ s/ n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f ls\u2028 ps\u2029 é 🙂";
    assertEquals("\"q\\\" b\\\\ s/ n\\n r\\r t\\t b\\b f\\f nul\\u0000 us\\u001f del\\u007f ls\\u2028 ps\\u2029 é 🙂\"",
        Json.write(tricky));
    assertEquals(tricky, Json.parse(Json.write(tricky)));
  }

  @Test
  void writesObjectsInInsertionOrderWithNestedValues() {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("clientId", "a\"b");
    item.put("durationMinutes", 5);
    item.put("big", 9_007_199_254_740_993L);
    item.put("flag", true);
    item.put("none", null);
    Map<String, Object> body = Collections.singletonMap("messages", Arrays.asList(item, Collections.emptyList()));
    String json = Json.write(body);
    assertEquals("{\"messages\":[{\"clientId\":\"a\\\"b\",\"durationMinutes\":5,\"big\":9007199254740993,\"flag\":true,\"none\":null},[]]}", json);
    assertEquals(json, Json.write(Json.parse(json)));
    assertEquals(5L, ((Map<?, ?>) ((List<?>) ((Map<?, ?>) Json.parse(json)).get("messages")).get(0)).get("durationMinutes"));
  }

  @Test
  void refusesValuesItCannotEncode() {
    assertThrows(IllegalArgumentException.class, () -> Json.write(1.5));
    assertThrows(IllegalArgumentException.class, () -> Json.write(Collections.singletonMap(1, "x")));
  }

  @Test
  void parsesTheGatewaysAnswers() {
    Object parsed = Json.parse(" {\"results\":[{\"clientId\":\"\\u00fc\\ud83d\\ude42\\/\",\"status\":\"routed\"},"
        + "{\"status\":\"no_channel\"}],\"n\":-12,\"x\":1.5e3,\"z\":0,\"t\":true,\"f\":false,\"nil\":null}\n");
    Map<?, ?> map = (Map<?, ?>) parsed;
    List<?> results = (List<?>) map.get("results");
    assertEquals("ü🙂/", ((Map<?, ?>) results.get(0)).get("clientId"));
    assertEquals("no_channel", ((Map<?, ?>) results.get(1)).get("status"));
    assertEquals(-12L, map.get("n"));
    assertEquals(1500.0, map.get("x"));
    assertEquals(0L, map.get("z"));
    assertEquals(Boolean.TRUE, map.get("t"));
    assertEquals(Boolean.FALSE, map.get("f"));
    assertEquals(true, map.containsKey("nil"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "\"unterminated", "\"bad \\x escape\"",
      "\"\\u12\"", "\"\\u12G4\"", "\"raw\ncontrol\"", "01", "-", "1.", "1e", "+1", "tru", "nul", "[1] 2", "{\"a\":1}}",
      "'single'", "\"\\u０１２３\""})
  void refusesMalformedJson(String text) {
    assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
  }

  @Test
  void refusesDeepNesting() {
    String deep = "[".repeat(100) + "]".repeat(100);
    assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
    assertEquals(1, ((List<?>) Json.parse("[".repeat(10) + "]".repeat(10))).size());
  }
}

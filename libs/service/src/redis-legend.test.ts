import { describe, expect, it } from "@jest/globals";
import { LegendScript, LuaLegendError, luaString } from "./redis-script.js";

describe("LegendScript", () => {
  const script = new LegendScript("testRelease", {
    keys: { lock: "the signer lock", record: "the record hash" },
    argv: { token: "the lock token", fields: "the record's fields", next: "the next nonce" },
    constants: { NONE: "", KEEP: "-" },
    body: "\nif redis.call('GET', lock) ~= token then return 0 end\nreturn 1\n",
  });

  it("opens the script with a local per key, per argument and per constant, in legend order", () => {
    expect(script.source).toBe(
      [
        "local lock = KEYS[1]",
        "local record = KEYS[2]",
        "local token = ARGV[1]",
        "local fields = ARGV[2]",
        "local next = ARGV[3]",
        "local NONE = ''",
        "local KEEP = '-'",
        "if redis.call('GET', lock) ~= token then return 0 end",
        "return 1",
      ].join("\n"),
    );
    expect(script.script.numberOfKeys).toBe(2);
  });

  it("lays the values out by the same legend, whatever order they are given in", () => {
    expect(script.layout({ record: "tx:1", lock: "signer:lock" }, { next: 5, token: "7:a", fields: "[]" })).toEqual({
      keys: ["signer:lock", "tx:1"],
      args: ["7:a", "[]", 5],
    });
  });

  it("refuses names Lua cannot hold and names used twice", () => {
    expect(() => new LegendScript("a", { keys: { "not-a-name": "" }, argv: {}, body: "" })).toThrow(LuaLegendError);
    expect(() => new LegendScript("b", { keys: {}, argv: { end: "" }, body: "" })).toThrow(LuaLegendError);
    expect(() => new LegendScript("c", { keys: { id: "" }, argv: {}, constants: { id: "x" }, body: "" })).toThrow(LuaLegendError);
  });

  it("quotes constants as Lua strings", () => {
    expect(luaString("it's a\\b\n")).toBe("'it\\'s a\\\\b\\n'");
  });
});

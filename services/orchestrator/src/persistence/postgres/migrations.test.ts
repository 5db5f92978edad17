import { describe, expect, it } from "@jest/globals";
import { StoreConfigError } from "../errors.js";
import { quoteSchema } from "./migrations.js";

describe("quoteSchema", () => {
  it("quotes a plain lower-case schema name", () => {
    expect(quoteSchema("gatehouse_orch")).toBe('"gatehouse_orch"');
  });

  it.each(['x"; DROP TABLE t; --', "Upper", "1starts_with_digit", "a".repeat(64)])("refuses %j with StoreConfigError", (schema) => {
    expect(() => quoteSchema(schema)).toThrow(StoreConfigError);
    expect(() => quoteSchema(schema)).toThrow("store.postgres_schema");
  });
});

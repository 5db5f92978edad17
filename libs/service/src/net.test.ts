import { describe, expect, it } from "@jest/globals";
import { formatHostPort, HostPortFormatError, isLoopback, parseHostPort } from "./net.js";

describe("addresses", () => {
  it("parses host:port and bracketed IPv6", () => {
    expect(parseHostPort("0.0.0.0:3333")).toEqual({ host: "0.0.0.0", port: 3333 });
    expect(parseHostPort("[::1]:9082")).toEqual({ host: "::1", port: 9082 });
    expect(parseHostPort(":80")).toEqual({ host: "", port: 80 });
    expect(() => parseHostPort("localhost")).toThrow(HostPortFormatError);
    expect(() => parseHostPort("h:70000")).toThrow(HostPortFormatError);
  });

  it("formats IPv6 with brackets", () => {
    expect(formatHostPort({ host: "::1", port: 1 })).toBe("[::1]:1");
    expect(formatHostPort({ host: "127.0.0.1", port: 1 })).toBe("127.0.0.1:1");
  });

  it("knows loopback from everything else", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "", "::", "10.0.0.1", "example.com"]) expect(isLoopback(host)).toBe(false);
  });
});

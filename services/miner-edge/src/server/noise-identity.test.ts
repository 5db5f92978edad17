import { ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { loadNoiseIdentity, NoiseIdentityError } from "./noise-identity.js";

describe("loadNoiseIdentity", () => {
  it("refuses a certificate file apart from the identity file with NoiseIdentityError, before reading either", () => {
    const files = { keyFile: "/nonexistent/identity.json", certFile: "/nonexistent/cert.pem", authorityFile: "" };
    expect(() => loadNoiseIdentity(files, new ManualClock())).toThrow(NoiseIdentityError);
  });
});

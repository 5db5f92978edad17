import { describe, expect, it } from "@jest/globals";
import {
  arweaveUri,
  confirmationStatus,
  gatewayEndpoint,
  MAX_TAG_BYTES,
  parseArweaveUri,
  transactionTags,
  uploadFailure,
} from "./arweave-protocol.js";
import {
  ArweaveInsufficientBalanceError,
  ArweaveRejectedError,
  ArweaveUnavailableError,
  EvidenceUriError,
  GatewayUrlError,
} from "./errors.js";
import { workEvidenceTags } from "./store.js";

const ID = "dD_cKIy5w-y510ycXDEgV9QsXfHP9l78hk43RkAcv5g";

describe("ar:// URIs", () => {
  it("round-trips a transaction id", () => {
    expect(arweaveUri(ID)).toBe(`ar://${ID}`);
    expect(parseArweaveUri(`ar://${ID}`)).toBe(ID);
  });

  it.each([
    [`cas://${ID}`, "is not an ar:// URI"],
    ["ar://short", "does not name a 43-character transaction id"],
    [`ar://${ID.slice(0, 42)}+`, "does not name a 43-character transaction id"],
    [`ar://${ID}/path`, "does not name a 43-character transaction id"],
  ])("refuses %s", (uri, message) => {
    expect(() => parseArweaveUri(uri)).toThrow(EvidenceUriError);
    expect(() => parseArweaveUri(uri)).toThrow(message);
  });

  it("never builds a URI from something that is not an id", () => {
    expect(() => arweaveUri("../x")).toThrow(EvidenceUriError);
  });
});

describe("transaction tags", () => {
  it("keeps ChaosChain's tags and order", () => {
    const tags = workEvidenceTags({ studio: "0xS", epoch: 7, dataHash: "0xD", agent: "0xA" });
    expect(transactionTags(tags)).toEqual([
      ["Content-Type", "application/octet-stream"],
      ["ChaosChain-Studio", "0xS"],
      ["ChaosChain-Epoch", "7"],
      ["ChaosChain-DataHash", "0xD"],
      ["ChaosChain-Agent", "0xA"],
      ["App-Name", "ChaosChain"],
      ["App-Version", "0.1.0"],
    ]);
  });

  it("refuses tags Arweave would reject", () => {
    expect(() => transactionTags({ "": "x" })).toThrow(ArweaveRejectedError);
    const half = "x".repeat(MAX_TAG_BYTES / 2);
    expect(() => transactionTags({ [half]: half })).not.toThrow();
    expect(() => transactionTags({ [half]: `${half}é` })).toThrow(`tags take ${MAX_TAG_BYTES + 2} bytes`);
  });
});

describe("gateway URLs", () => {
  it("splits an origin into what arweave-js needs", () => {
    expect(gatewayEndpoint("https://arweave.net")).toEqual({
      protocol: "https",
      host: "arweave.net",
      port: 443,
      origin: "https://arweave.net",
    });
    expect(gatewayEndpoint("http://127.0.0.1:1984/")).toEqual({
      protocol: "http",
      host: "127.0.0.1",
      port: 1984,
      origin: "http://127.0.0.1:1984",
    });
    expect(gatewayEndpoint("http://[::1]:1984")).toMatchObject({ host: "::1", port: 1984, origin: "http://[::1]:1984" });
  });

  it.each([
    ["ftp://arweave.net", "must be http or https"],
    ["https://arweave.net/graphql", "must be an origin"],
    ["https://arweave.net/?x=1", "must be an origin"],
    ["https://user:secret@arweave.net", "must not carry credentials"],
    ["arweave.net", "is not a URL"],
  ])("refuses %s", (url, message) => {
    expect(() => gatewayEndpoint(url)).toThrow(GatewayUrlError);
    expect(() => gatewayEndpoint(url)).toThrow(message);
  });
});

describe("upload answers", () => {
  const context = { what: `transaction ${ID}`, address: "addr", rewardWinston: "65595508" };

  it("accepts 2xx, including 208 already processed", () => {
    expect(uploadFailure(200, "OK", context)).toBeUndefined();
    expect(uploadFailure(208, "Transaction already processed.", context)).toBeUndefined();
  });

  it("retries rate limits and server errors", () => {
    for (const status of [429, 500, 502, 503]) {
      const error = uploadFailure(status, "busy", context);
      expect(error).toBeInstanceOf(ArweaveUnavailableError);
      expect(error).toMatchObject({ code: "ARWEAVE_UNAVAILABLE", retryable: true });
      expect(error?.message).toContain(`HTTP ${status} busy`);
    }
  });

  it("tells an unfunded wallet apart from a rejection", () => {
    const arlocal = uploadFailure(410, '{"code":410,"msg":"You don\'t have enough tokens"}', context);
    expect(arlocal).toBeInstanceOf(ArweaveInsufficientBalanceError);
    expect(arlocal).toMatchObject({ code: "ARWEAVE_INSUFFICIENT_BALANCE", retryable: true, address: "addr", requiredWinston: "65595508" });
    expect(uploadFailure(400, "overspend", context)).toBeInstanceOf(ArweaveInsufficientBalanceError);

    const rejected = uploadFailure(400, "Transaction verification failed.", context);
    expect(rejected).toBeInstanceOf(ArweaveRejectedError);
    expect(rejected).toMatchObject({ code: "ARWEAVE_REJECTED", retryable: false });
    expect(rejected?.message).toBe(`transaction ${ID}: HTTP 400 Transaction verification failed.`);
  });
});

describe("confirmation status", () => {
  it("needs a 200 with enough confirmations", () => {
    expect(confirmationStatus(200, { block_height: 1, number_of_confirmations: 0 }, 1)).toBe("pending");
    expect(confirmationStatus(200, { block_height: 1, number_of_confirmations: 1 }, 1)).toBe("confirmed");
    expect(confirmationStatus(200, { number_of_confirmations: 9 }, 10)).toBe("pending");
    expect(confirmationStatus(200, { number_of_confirmations: 0 }, 0)).toBe("confirmed");
  });

  it("reads pending and unknown transactions", () => {
    expect(confirmationStatus(202, "Pending", 1)).toBe("pending");
    expect(confirmationStatus(200, "Pending", 1)).toBe("pending"); // arlocal
    expect(confirmationStatus(200, { number_of_confirmations: "5" }, 1)).toBe("pending");
    expect(confirmationStatus(200, null, 0)).toBe("pending");
    expect(confirmationStatus(404, "Not Found", 1)).toBe("not_found");
  });

  it("makes other answers a retryable error", () => {
    expect(() => confirmationStatus(503, "", 1)).toThrow(ArweaveUnavailableError);
    expect(() => confirmationStatus(500, "", 1)).toThrow("status query: HTTP 500");
  });
});

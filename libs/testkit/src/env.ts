import { randomBytes } from "node:crypto";

/** NATS the tests use: `make test` exports GH_TEST_NATS_URL (the running server, or one it started). */
export function natsUrl(): string {
  return process.env.GH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
}

export function redisUrl(): string {
  return process.env.GH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** PostgreSQL for tests (trust auth on loopback, as CI and the dev machines run it). */
export function postgresUrl(): string {
  return process.env.GH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/**
 * A name no other test run uses: for subject roots, stream prefixes and Redis key prefixes, so
 * tests share servers without colliding and never assume an empty server.
 */
export function uniqueName(label = "t"): string {
  return `${label}${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
}

/** A complete isolated namespace on the shared servers. */
export interface TestNamespace {
  subjectRoot: string;
  streamPrefix: string;
  redisPrefix: string;
  /** A PostgreSQL schema of its own (lower-case identifier). */
  postgresSchema: string;
}

export function testNamespace(label = "t"): TestNamespace {
  const name = uniqueName(label);
  return {
    subjectRoot: name,
    streamPrefix: `${name.toUpperCase()}_`,
    redisPrefix: `${name}:`,
    postgresSchema: `gh_${name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`,
  };
}

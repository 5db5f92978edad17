// `gatehouse keys` as an operator runs it, then the files it wrote used for a real SV2 handshake.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { acceptNoise, parseServerIdentityFile, Sv2Client, type Sv2Connection } from "@gatehouse/sv2";
import { repoRoot } from "@gatehouse/testkit";
import { afterAll, describe, expect, it } from "@jest/globals";

const run = promisify(execFile);
const bin = join(repoRoot(), "tools", "cli", "bin", "gatehouse.js");
const env = { ...process.env, GH_CLI_NO_BUILD: "1" };
const dir = mkdtempSync(join(tmpdir(), "gatehouse-keys-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gatehouse keys", () => {
  it("creates an authority, issues a server identity, and a client trusting the printed key completes a handshake", async () => {
    const authorityFile = join(dir, "authority.json");
    const serverFile = join(dir, "server.json");
    const authority = await run(process.execPath, [bin, "keys", "authority", "--out", authorityFile], { env });
    const publicKey = authority.stdout.trim();
    expect(publicKey).toMatch(/^[1-9A-HJ-NP-Za-km-z]{50,52}$/);
    expect(authority.stdout).not.toContain(JSON.parse(readFileSync(authorityFile, "utf8")).secretKey);
    expect(statSync(authorityFile).mode & 0o777).toBe(0o600);

    const before = Math.floor(Date.now() / 1000);
    const server = await run(
      process.execPath,
      [bin, "keys", "server", "--authority", authorityFile, "--out", serverFile, "--validity", "2h"],
      { env },
    );
    expect(JSON.parse(server.stdout)).toMatchObject({ authorityPublicKey: publicKey, out: serverFile });
    expect(statSync(serverFile).mode & 0o777).toBe(0o600);
    const { identity } = parseServerIdentityFile(readFileSync(serverFile, "utf8"), before);
    expect(identity.certificate.validFrom).toBeGreaterThanOrEqual(before - 3600);
    expect(identity.certificate.validFrom).toBeLessThanOrEqual(before - 3600 + 5);
    expect(identity.certificate.notValidAfter - identity.certificate.validFrom).toBe(3 * 3600);

    const accepted: Promise<Sv2Connection>[] = [];
    const listener = createServer((socket) => accepted.push(acceptNoise(socket, { identity })));
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    try {
      const client = await Sv2Client.connect({
        host: "127.0.0.1",
        port: (listener.address() as AddressInfo).port,
        authorityPublicKey: publicKey,
      });
      expect(client.connection.remoteStaticXOnly).toEqual(identity.staticKey.xOnly);
      await client.close();
      await (await accepted[0])?.close();
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("refuses to overwrite a key file and rejects a bad validity", async () => {
    const file = join(dir, "again.json");
    await run(process.execPath, [bin, "keys", "authority", "--out", file], { env });
    await expect(run(process.execPath, [bin, "keys", "authority", "--out", file], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("exists"),
    });
    await expect(
      run(process.execPath, [bin, "keys", "server", "--authority", file, "--out", join(dir, "s2.json"), "--validity", "soon"], { env }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining("expected a duration"),
    });
  });

  it("writes group-readable files with --group-readable (for services running under another uid of the group)", async () => {
    const authorityFile = join(dir, "authority-g.json");
    const serverFile = join(dir, "server-g.json");
    await run(process.execPath, [bin, "keys", "authority", "--out", authorityFile, "--group-readable"], { env });
    expect(statSync(authorityFile).mode & 0o777).toBe(0o640);
    await run(process.execPath, [bin, "keys", "server", "--authority", authorityFile, "--out", serverFile, "--group-readable"], { env });
    expect(statSync(serverFile).mode & 0o777).toBe(0o640);
    // Overwriting an owner-only file makes it group-readable too (the mode applies to existing files).
    const existing = join(dir, "again.json");
    await run(process.execPath, [bin, "keys", "authority", "--out", existing, "--force", "--group-readable"], { env });
    expect(statSync(existing).mode & 0o777).toBe(0o640);
  });
});

import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvidenceStatus, EvidenceStore, EvidenceTags } from "./store.js";

const ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Content-addressed evidence on the local disk: the id is the base64url SHA-256 of the bytes (43
 * characters, the shape of an Arweave id), so re-uploading after a crash yields the same id.
 * Writes go through a temporary file and a rename, so a blob is either whole or absent.
 */
export class LocalEvidenceStore implements EvidenceStore {
  readonly kind = "local";

  constructor(private readonly dir: string) {}

  async put(content: Uint8Array, tags: EvidenceTags): Promise<{ id: string; uri: string }> {
    const id = createHash("sha256").update(content).digest("base64url");
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, id);
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(`${path}.tags.json`, JSON.stringify(tags));
    await writeFile(temp, content);
    await rename(temp, path);
    return { id, uri: `cas://${id}` };
  }

  async status(id: string): Promise<EvidenceStatus> {
    if (!ID.test(id)) return "not_found";
    try {
      await stat(join(this.dir, id));
      return "confirmed";
    } catch {
      return "not_found";
    }
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    if (!ID.test(id)) return undefined;
    try {
      return await readFile(join(this.dir, id));
    } catch {
      return undefined;
    }
  }
}

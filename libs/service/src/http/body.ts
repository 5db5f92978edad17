import type { IncomingMessage } from "node:http";

/** A request body past the reader's limit, by its declared or its received size. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
  }
}

/**
 * The one way an HTTP server reads a request body: the whole body, or BodyTooLargeError as soon
 * as the declared Content-Length or the bytes received pass `limitBytes`. Past the limit nothing
 * more is kept, and the rest is read and dropped, so the caller can still answer 413 on the
 * same connection.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limitBytes) {
      req.resume();
      reject(new BodyTooLargeError(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      chunks.length = 0;
      req.resume();
      reject(new BodyTooLargeError(limitBytes));
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

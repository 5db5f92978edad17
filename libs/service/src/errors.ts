/**
 * A broken internal invariant: code used an API in a way it promises never to (a route or probe
 * registered twice, a server asked for its address before it listens). Nobody is meant to catch
 * it; it is named so it is never mistaken for a failure a caller should handle.
 */
export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

/** A command line the CLI cannot carry out (an unknown service or method, options that conflict); main prints its message. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

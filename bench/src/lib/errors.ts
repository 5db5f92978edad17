/** A command line the benchmark tools cannot run: an unknown benchmark, result sets missing or ambiguous. */
export class BenchUsageError extends Error {
  override readonly name = "BenchUsageError";
}

/** A benchmark run whose system under test failed: it exited, answered with an error, or disagreed with the benchmark's check. */
export class BenchError extends Error {
  override readonly name = "BenchError";
}

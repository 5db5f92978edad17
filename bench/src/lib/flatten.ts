/** Every numeric leaf of a report as `path.to.figure` → value; arrays by index, or by their `nodes` field (relay runs). */
export function numericLeaves(value: unknown, path = "", out = new Map<string, number>()): Map<string, number> {
  if (typeof value === "number" && Number.isFinite(value)) out.set(path, value);
  else if (Array.isArray(value))
    value.forEach((item, i) => {
      const key =
        typeof item === "object" && item !== null && "nodes" in item ? `n${String((item as { nodes: unknown }).nodes)}` : String(i);
      numericLeaves(item, path ? `${path}.${key}` : key, out);
    });
  else if (typeof value === "object" && value !== null)
    for (const [key, child] of Object.entries(value)) {
      if (key === "machine" || key === "revision") continue;
      numericLeaves(child, path ? `${path}.${key}` : key, out);
    }
  return out;
}

export interface ComparedFigure {
  figure: string;
  a: number | undefined;
  b: number | undefined;
  /** b / a, when both are there and a is not zero. */
  ratio: number | undefined;
}

/** Two reports' figures side by side, in the order the first (then the second) lists them. */
export function compareReports(a: unknown, b: unknown): ComparedFigure[] {
  const left = numericLeaves(a);
  const right = numericLeaves(b);
  const figures = [...new Set([...left.keys(), ...right.keys()])];
  return figures.map((figure) => {
    const x = left.get(figure);
    const y = right.get(figure);
    return { figure, a: x, b: y, ratio: x !== undefined && y !== undefined && x !== 0 ? y / x : undefined };
  });
}

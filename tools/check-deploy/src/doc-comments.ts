/**
 * Doc comments of config keys, read from TypeScript sources without a compiler: a small scanner
 * that skips strings, template literals, regular expressions and line comments, tracks bracket
 * nesting, and records each `/** … *\/` that directly precedes a `key:` in an object literal,
 * under the path of enclosing keys prefixed by the `const`/`function` that contains it
 * (`natsConfig.url`, `configSchema.api.addr`). It also records aliases: `nats: natsConfig`, the
 * shorthand `don,` and `...opsConfig(…)`, so a key defined in a shared schema finds its comment there.
 */
export interface DocIndex {
  comments: Map<string, string>;
  /** Path of a key (or the container itself for spreads) → the container its value comes from. */
  aliases: Map<string, string[]>;
}

const REGEX_AFTER = new Set(["(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "return", "=>"]);

interface Frame {
  open: string;
  key?: string;
}

export function indexDocComments(source: string, index: DocIndex = { comments: new Map(), aliases: new Map() }): DocIndex {
  const stack: Frame[] = [];
  let container = "";
  let pendingDoc: string | undefined;
  let previous = ";";
  let i = 0;
  const keyPath = () =>
    [
      container,
      ...stack
        .filter((f) => f.open === "{" && f.key)
        .slice(0, -1)
        .map((f) => f.key),
    ].join(".");
  const addAlias = (path: string, target: string) => index.aliases.set(path, [...(index.aliases.get(path) ?? []), target]);

  while (i < source.length) {
    const c = source[i] as string;
    const rest = source.slice(i, i + 3);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (rest.startsWith("//")) {
      i = source.indexOf("\n", i);
      if (i < 0) break;
      continue;
    }
    if (rest.startsWith("/*")) {
      const end = source.indexOf("*/", i + 2);
      const body = source.slice(i + 2, end);
      if (body.startsWith("*"))
        pendingDoc = body
          .slice(1)
          .split("\n")
          .map((line) => line.replace(/^\s*\*\s?/, "").trim())
          .filter(Boolean)
          .join(" ");
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'" || c === "`" || (c === "/" && REGEX_AFTER.has(previous))) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length) {
        const d = source[j];
        if (d === "\\") {
          j += 2;
          continue;
        }
        if (c === "/" && (d === "[" || d === "]")) inClass = d === "[";
        else if (d === c && !inClass) break;
        j++;
      }
      i = j + 1;
      previous = "literal";
      pendingDoc = undefined;
      continue;
    }
    if ("{([".includes(c)) {
      stack.push({ open: c });
      previous = c;
      i++;
      continue;
    }
    if ("})]".includes(c)) {
      stack.pop();
      previous = c;
      i++;
      continue;
    }
    const word = /^(\.\.\.)?[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(i))?.[0];
    if (word) {
      const after = source.slice(i + word.length).match(/^\s*(:|=|\(|,|\}|\.)?/)?.[1];
      const top = stack[stack.length - 1];
      if (stack.length === 0 && (previous === "const" || previous === "function")) container = word;
      const inObjectKeyPosition = top?.open === "{" && (previous === "{" || previous === ",");
      if (word.startsWith("...") && top?.open === "{") addAlias(keyPath() || container, word.slice(3));
      else if (inObjectKeyPosition && (after === "," || after === "}")) {
        // Shorthand property `don,`: the key's schema is the variable of the same name.
        const path = `${keyPath() ? `${keyPath()}.` : ""}${word}`;
        if (pendingDoc) index.comments.set(path, pendingDoc);
        addAlias(path, word);
      } else if (top && inObjectKeyPosition && after === ":") {
        top.key = word;
        const path = `${keyPath() ? `${keyPath()}.` : ""}${word}`;
        if (pendingDoc) index.comments.set(path, pendingDoc);
        const value = /^\s*:\s*(?:z\.array\(\s*)?([A-Za-z_$][A-Za-z0-9_$]*)\s*[,}.)\n]/.exec(source.slice(i + word.length))?.[1];
        if (value && value !== "z") addAlias(path, value);
      }
      pendingDoc = undefined;
      previous = word;
      i += word.length;
      continue;
    }
    if (c === "=" && source[i + 1] === ">") {
      previous = "=>";
      i += 2;
      continue;
    }
    previous = c;
    pendingDoc = undefined;
    i++;
  }
  return index;
}

/** The doc comment of a config key path (`api.addr`) starting from a container (`configSchema`). */
export function docFor(index: DocIndex, container: string, path: string[], depth = 0): string | undefined {
  if (depth > 8) return undefined;
  const direct = index.comments.get([container, ...path].join("."));
  if (direct) return direct;
  for (let split = path.length; split >= 0; split--) {
    for (const target of index.aliases.get([container, ...path.slice(0, split)].join(".")) ?? []) {
      const found = docFor(index, target, path.slice(split), depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

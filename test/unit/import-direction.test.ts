// The direction of imports in workers/, durable-objects/ and db/ (docs/architecture.md):
//
//   entry (workers/index.ts, workers/app.ts)
//     → role folders (api, ingest, normalize, insights, privacy, scheduled, ops, queues, dead-letters)
//       and the Durable Object (durable-objects/), which sits beside the insights role
//     → domain (vendors, readiness, connections)
//     → lib (workers/lib/, and workers/env.ts, the validated environment)
//     → db (schema, migrations, migration runner)
//
// Rules, for every import and re-export, type-only ones included:
//   1. no arrow goes back up: a module imports only from its own layer or the layers below it;
//   2. no circle, between files in any layers;
//   3. role folders talk through queue messages and the object's client: a role folder imports
//      another role folder only where SIDEWAYS below allows it, and the Durable Object imports none.
// Imports are read with the TypeScript compiler's own pre-processor (import, export-from, import(),
// `import type`), so a change of syntax cannot hide one.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOTS = ["workers", "durable-objects", "db"];
const ROLE_FOLDERS = ["api", "ingest", "normalize", "insights", "privacy", "scheduled", "ops", "queues", "dead-letters"];
const DOMAIN_FOLDERS = ["vendors", "readiness", "connections"];

type Layer = "entry" | "role" | "domain" | "lib" | "db";
const RANK: Record<Layer, number> = { entry: 4, role: 3, domain: 2, lib: 1, db: 0 };

/** Role-to-role imports that are allowed, and why; every other one fails. */
const SIDEWAYS: Record<string, string> = {
  "api→privacy": "the export and erasure routes run the privacy role's work",
  "api→durable-objects": "routes reach a user's object through its typed client",
  "insights→durable-objects": "the insights consumer hands dates to the object; the rescore runs its recompute",
  "privacy→durable-objects": "erasure empties the user's object",
  "normalize→queues": "the ingest consumer runs on the shared per-message consumer",
  "insights→queues": "the insights consumer runs on the shared per-message consumer",
  "queues→dead-letters": "a message that cannot be processed is stored as a dead letter",
  "ops→api": "/ops checks the Cloudflare Access assertion with the API's check",
};

export type Graph = Map<string, string[]>;

/** The layer of a module path (relative to the repository), or undefined when it has none. */
export function layerOf(file: string): Layer | undefined {
  if (file === "workers/index.ts" || file === "workers/app.ts") return "entry";
  if (file === "workers/env.ts" || file.startsWith("workers/lib/")) return "lib";
  if (file.startsWith("db/")) return "db";
  if (file.startsWith("durable-objects/")) return "role";
  const folder = file.split("/")[1];
  if (file.startsWith("workers/") && folder && ROLE_FOLDERS.includes(folder)) return "role";
  if (file.startsWith("workers/") && folder && DOMAIN_FOLDERS.includes(folder)) return "domain";
  return undefined;
}

/** The folder that names a module's role: `api`, `durable-objects`, `lib`, … */
function folderOf(file: string): string {
  return file.startsWith("workers/") ? (file.split("/")[1] ?? file) : (file.split("/")[0] ?? file);
}

/** Imports that point to a higher layer. */
export function upwardImports(graph: Graph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = layerOf(from);
      const b = layerOf(to);
      if (a && b && RANK[b] > RANK[a]) found.push(`${from} (${a}) → ${to} (${b})`);
    }
  }
  return found;
}

/** Imports between two role folders (the object counts as one) that SIDEWAYS does not allow. */
export function unexpectedSidewaysImports(graph: Graph, allowed: Record<string, string> = SIDEWAYS): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (layerOf(from) !== "role" || layerOf(to) !== "role") continue;
      const pair = `${folderOf(from)}→${folderOf(to)}`;
      if (folderOf(from) !== folderOf(to) && !allowed[pair]) found.push(`${from} → ${to}`);
    }
  }
  return found;
}

/** One circle of the graph as a path that ends where it started, or undefined when there is none. */
export function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    // Generated ambient declarations (worker-configuration.d.ts) are read by the compiler, never imported.
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string, known: Set<string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined; // packages and runtime modules
  const base = normalize(join(dirname(from), specifier)).replace(/\.(js|ts)$/, "");
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => known.has(candidate));
}

/** Every relative import and re-export of the source tree, type-only ones included. */
export function importGraph(roots: readonly string[] = ROOTS): Graph {
  const files = roots.flatMap((root) => sourceFiles(root)).map((file) => relative(".", file));
  const known = new Set(files);
  const graph: Graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = info.importedFiles
      .map((imported) => resolveImport(file, imported.fileName, known))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

describe("the checks themselves, on small made-up graphs", () => {
  it("finds a circle, also through a type-only import, and none in a tree", () => {
    const circle: Graph = new Map([
      ["workers/env.ts", ["durable-objects/user-readiness.ts"]],
      ["durable-objects/user-readiness.ts", ["durable-objects/client.ts"]],
      ["durable-objects/client.ts", ["workers/lib/context.ts"]],
      ["workers/lib/context.ts", ["workers/env.ts"]],
    ]);
    expect(findCycle(circle)).toEqual([
      "durable-objects/client.ts", "workers/lib/context.ts", "workers/env.ts", "durable-objects/user-readiness.ts", "durable-objects/client.ts",
    ]);
    const tree: Graph = new Map([
      ["workers/index.ts", ["workers/api/a.ts", "workers/lib/b.ts"]],
      ["workers/api/a.ts", ["workers/lib/b.ts"]],
      ["workers/lib/b.ts", ["db/schema.ts"]],
    ]);
    expect(findCycle(tree)).toBeUndefined();
  });

  it("flags lib and db reaching up, and role folders importing each other unannounced", () => {
    const graph: Graph = new Map([
      ["workers/lib/read-audit.ts", ["durable-objects/client.ts", "workers/lib/audit.ts"]],
      ["db/schema.ts", ["workers/vendors/types.ts"]],
      ["workers/privacy/erasure.ts", ["workers/api/readiness-edge.ts", "durable-objects/client.ts"]],
    ]);
    expect(upwardImports(graph)).toEqual([
      "workers/lib/read-audit.ts (lib) → durable-objects/client.ts (role)",
      "db/schema.ts (db) → workers/vendors/types.ts (domain)",
    ]);
    expect(unexpectedSidewaysImports(graph)).toEqual(["workers/privacy/erasure.ts → workers/api/readiness-edge.ts"]);
  });
});

describe("the hub's own imports", () => {
  const graph = importGraph();

  it("reads the tree (every module has a layer, and the known arrows are seen)", () => {
    expect([...graph.keys()].filter((file) => !layerOf(file))).toEqual([]);
    expect(graph.get("workers/index.ts")).toContain("workers/app.ts");
    expect(graph.get("workers/lib/db.ts")).toContain("db/schema.ts");
  });

  it("has no circle", () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it("has no arrow back up (lib and db import nothing above them)", () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it("has role folders import each other only where SIDEWAYS says why", () => {
    expect(unexpectedSidewaysImports(graph)).toEqual([]);
  });
});

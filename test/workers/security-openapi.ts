// The operations the hub documents in /openapi.json, for tests that must cover every route, including
// routes added after the test was written: their methods, parameters and request bodies, and a plain
// example value for any schema.
import { SELF } from "cloudflare:test";

type Schema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. `/v1/connections/{vendor}`. */
  path: string;
  parameters: Parameter[];
  /** JSON request body schema, when the operation takes one. */
  body?: Schema;
  /** Declares bearer authentication. */
  bearer: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; security?: unknown[] }>>;
  components?: { schemas?: Record<string, Schema> };
}

let documentCache: OpenApiDocument | undefined;

export async function openApiDocument(): Promise<OpenApiDocument> {
  documentCache ??= (await (await SELF.fetch("http://hub.test/openapi.json")).json()) as OpenApiDocument;
  return documentCache;
}

export async function operations(): Promise<Operation[]> {
  const doc = await openApiDocument();
  const result: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      result.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.["application/json"]?.schema,
        bearer: JSON.stringify(op.security ?? []).includes("bearer"),
      });
    }
  }
  return result;
}

export function resolve(schema: Schema | undefined, doc: OpenApiDocument): Schema {
  if (!schema) return {};
  const ref = schema.$ref as string | undefined;
  if (ref?.startsWith("#/components/schemas/")) return resolve(doc.components?.schemas?.[ref.split("/").pop()!], doc);
  return schema;
}

/** A value that satisfies the common cases of `schema` (examples, enums, required properties). */
export function exampleOf(raw: Schema | undefined, doc: OpenApiDocument, today = "2026-11-02"): unknown {
  const schema = resolve(raw, doc);
  if ("example" in schema) return schema.example;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const choices = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (choices?.length) return exampleOf(choices.find((c) => resolve(c, doc).type !== "null") ?? choices[0], doc, today);
  switch (schema.type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(required.map((name) => [name, exampleOf(properties[name], doc, today)]));
    }
    case "array":
      return [exampleOf(schema.items as Schema, doc, today)];
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "string":
      if (schema.format === "date-time") return `${today}T06:00:00Z`;
      if (schema.format === "date") return today;
      if (schema.format === "uuid") return crypto.randomUUID();
      return "a1";
    default:
      return null;
  }
}

/** The concrete path for a template, each `{name}` replaced by `values[name]` or the parameter's example. */
export function concretePath(op: Operation, doc: OpenApiDocument, values: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const parameter = op.parameters.find((p) => p.in === "path" && p.name === name);
    return encodeURIComponent(values[name] ?? String(exampleOf(parameter?.schema, doc)));
  });
}

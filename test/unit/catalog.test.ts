// catalog-info.yaml against Backstage's entity shape (apiVersion, kind, metadata, spec) and the
// fields each kind requires, with every reference resolving and the resources named as deployed.
import { readFileSync } from "node:fs";
import { unstable_readConfig } from "wrangler";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";

interface Entity {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec: Record<string, any>;
}

const documents = parseAllDocuments(readFileSync("catalog-info.yaml", "utf8"));
const entities = documents.map((d) => {
  if (d.errors.length > 0) throw new Error(d.errors[0]!.message);
  return d.toJS() as Entity;
});
// Required spec fields per kind, from Backstage's descriptor format.
const REQUIRED: Record<string, string[]> = {
  Component: ["type", "lifecycle", "owner"],
  API: ["type", "lifecycle", "owner", "definition"],
  Resource: ["type", "owner"],
  System: ["owner"],
  Group: ["type", "children"],
};
const NAME = /^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$/;
const ref = (e: Entity) => `${e.kind.toLowerCase()}:${e.metadata.namespace ?? "default"}/${e.metadata.name}`;
/** Expands Backstage's shorthand (`name`, `kind:name`) with the kind the field implies. */
const full = (value: string, kind: string) => {
  const [kindPart, rest] = value.includes(":") ? value.split(":") : [kind, value];
  return `${kindPart}:${rest!.includes("/") ? rest : `default/${rest}`}`;
};

describe("catalog-info.yaml", () => {
  it("holds Backstage entities: apiVersion, kind, a valid unique name and the spec fields each kind requires", () => {
    expect(entities.length).toBeGreaterThan(3);
    const refs = new Set<string>();
    for (const entity of entities) {
      expect(entity.apiVersion).toMatch(/^backstage\.io\/v1(alpha1|beta1)$/);
      expect(Object.keys(REQUIRED)).toContain(entity.kind);
      expect(entity.metadata.name).toMatch(NAME);
      expect(entity.metadata.name.length).toBeLessThanOrEqual(63);
      for (const field of REQUIRED[entity.kind]!) expect(entity.spec, `${ref(entity)}.spec.${field}`).toHaveProperty(field);
      expect(refs.has(ref(entity)), ref(entity)).toBe(false);
      refs.add(ref(entity));
    }
  });

  it("resolves every owner, system, API and dependency it refers to", () => {
    const refs = new Set(entities.map(ref));
    for (const entity of entities) {
      const pointers = [
        ...(entity.spec.owner ? [full(entity.spec.owner, "group")] : []),
        ...(entity.spec.system ? [full(entity.spec.system, "system")] : []),
        ...(entity.spec.providesApis ?? []).map((a: string) => full(a, "api")),
        ...(entity.spec.dependsOn ?? []).map((d: string) => full(d, "resource")),
      ];
      for (const pointer of pointers) expect(refs.has(pointer), `${ref(entity)} → ${pointer}`).toBe(true);
    }
  });

  it("points the API at the hub's OpenAPI document and lists the production queues and bucket as deployed", () => {
    const api = entities.find((e) => e.kind === "API")!;
    expect(api.spec.type).toBe("openapi");
    expect(api.spec.definition.$text).toMatch(/^https:\/\/api\.[\w.-]+\/openapi\.json$/);
    const production = unstable_readConfig({ config: "wrangler.toml", env: "production" });
    const queues = (production.queues.consumers as { queue: string }[]).map((c) => c.queue);
    const resources = entities.filter((e) => e.kind === "Resource");
    expect(resources.filter((r) => r.spec.type === "queue").map((r) => r.metadata.name).sort()).toEqual(queues.sort());
    expect(resources.find((r) => r.spec.type === "bucket")!.metadata.name).toBe(`${production.name}-backups`);
    expect(resources.some((r) => r.spec.type === "database")).toBe(true);
    const component = entities.find((e) => e.kind === "Component")!;
    expect(component.spec.dependsOn).toHaveLength(resources.length);
  });
});

import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { testEnv } from "./helpers";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

// Every method and path of the contract's sections 3–5.
const CONTRACT_OPERATIONS = [
  "POST /v1/connections/{vendor}", "GET /oauth/{vendor}/callback", "POST /v1/connections/{vendor}/complete", "GET /v1/connections", "DELETE /v1/connections/{vendor}",
  "GET /v1/me", "PATCH /v1/me", "GET /v1/me/readiness", "GET /v1/me/readiness/history", "GET /v1/me/hrv",
  "GET /v1/me/sleep", "POST /v1/me/samples", "GET /v1/me/readiness/live", "GET /v1/me/export", "DELETE /v1/me",
  "GET /health", "GET /health/ready", "GET /openapi.json",
];

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document that describes itself and the contract's routes", async () => {
    const res = await SELF.fetch("http://hub.test/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations).toEqual(expect.arrayContaining(CONTRACT_OPERATIONS));
    const check = await fetch(`${testEnv.SIM_CONTROL_URL}/validate/openapi`, { method: "POST", body: JSON.stringify(doc) });
    const result = (await check.json()) as { valid: boolean; version: string; errors: unknown };
    expect(result.errors).toBeNull();
    expect(result.valid).toBe(true);
    expect(result.version).toMatch(/^3\.1/);
  });

  it("shows the connect flow's three steps: the callback holds the account, complete attaches it", async () => {
    const doc = (await (await SELF.fetch("http://hub.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, { description?: string; responses: Record<string, { description: string }> }>>;
    };
    const callback = doc.paths["/oauth/{vendor}/callback"]!.get!;
    expect(callback.responses["302"]!.description).toMatch(/status=pending.*connect_code/);
    const complete = doc.paths["/v1/connections/{vendor}/complete"]!.post!;
    expect(Object.keys(complete.responses).sort()).toEqual(expect.arrayContaining(["200", "400", "403"]));
    expect(complete.description).toMatch(/started the flow/);
  });

  it("describes the weekly trends' per-week fields and the live socket's trends.week_closed message", async () => {
    const doc = (await (await SELF.fetch("http://hub.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.components.schemas.TrendWeek!.properties).sort()).toEqual([
      "change_vs_previous_4_weeks", "complete", "counts", "days", "flags", "hrv_metric", "means", "sources", "week_end", "week_start",
    ]);
    expect(doc.paths["/v1/me/readiness/live"]!.get!.description).toMatch(/"type":"trends\.week_closed"/);
  });
});

import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { testEnv } from "./helpers";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document that describes itself and the contract's routes", async () => {
    const res = await SELF.fetch("http://hub.test/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/openapi.json", "/health", "/health/ready"]));
    const check = await fetch(`${testEnv.SIM_CONTROL_URL}/validate/openapi`, { method: "POST", body: JSON.stringify(doc) });
    const result = (await check.json()) as { valid: boolean; version: string; errors: unknown };
    expect(result.errors).toBeNull();
    expect(result.valid).toBe(true);
    expect(result.version).toMatch(/^3\.1/);
  });
});

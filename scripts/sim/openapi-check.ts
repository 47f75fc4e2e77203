// Validates an OpenAPI document against the official OpenAPI 3.1 JSON schema. Runs in Node (the
// validator compiles schemas to code, which workerd forbids); workerd tests reach it through the
// control channel.
import { Validator } from "@seriousme/openapi-schema-validator";

export async function validateOpenApi(document: unknown): Promise<{ valid: boolean; version: string; errors: unknown }> {
  const validator = new Validator();
  const result = await validator.validate(document as Parameters<Validator["validate"]>[0]);
  return { valid: result.valid, version: validator.version, errors: result.errors ?? null };
}

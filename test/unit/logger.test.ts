import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, describeError } from "../../workers/lib/logger";

afterEach(() => vi.restoreAllMocks());

describe("logger", () => {
  it("drops fields whose names could carry secrets or biometric values", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    // A value no timestamp can hold: the line's own `at` must not look like a leak.
    createLogger({ request_id: "r1" }).info("event", { access_token: "tok", rmssd_ms: 4242.75, hrv: 1, path: "/x" });
    const logged = JSON.parse(lines[0]!);
    expect(logged).toMatchObject({ event: "event", request_id: "r1", path: "/x" });
    expect(logged).not.toHaveProperty("access_token");
    expect(logged).not.toHaveProperty("rmssd_ms");
    expect(lines[0]).not.toMatch(/"tok"|4242\.75/);
  });

  it("reduces database errors to their SQLSTATE so query parameters never reach a log", () => {
    const pgError = Object.assign(new Error('invalid input syntax for type uuid: "athlete-secret-id"'), { code: "22P02" });
    const drizzleError = new Error("Failed query: insert into hrv_daily values ($1, $2)\nparams: 0b6e…,61.5", { cause: pgError });
    const described = describeError(drizzleError);
    expect(described).toEqual({ error_name: "DatabaseError", db_code: "22P02", db_constraint: undefined });
    expect(JSON.stringify(described)).not.toMatch(/athlete-secret-id|61\.5|params/);
    expect(describeError(new Error("Failed query: select 1\nparams: 61.5"))).toEqual({ error_name: "Error" });
    expect(describeError(new Error("unexpected: token=abc123"))).toEqual({ error_name: "Error" });
    const vendor = Object.assign(new Error("oura sleep document: HTTP 503"), { name: "VendorError" });
    expect(describeError(vendor)).toMatchObject({ error_message: "oura sleep document: HTTP 503" });
    const lost = new Error("Failed query: select 1\nparams: 61.5", { cause: new Error("Connection terminated unexpectedly") });
    expect(describeError(lost)).toEqual({ error_name: "Error", error_message: "Connection terminated unexpectedly" });
  });

  it("keeps the SQLSTATE of a database error in the printed line (db_code), while other *code* fields stay out", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const pgError = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505", constraint: "users_subject_key" });
    createLogger().error("unhandled_error", { ...describeError(pgError), connect_code: "abc", auth_code: "def" });
    const logged = JSON.parse(lines[0]!);
    expect(logged).toMatchObject({ error_name: "DatabaseError", db_code: "23505", db_constraint: "users_subject_key" });
    expect(logged).not.toHaveProperty("connect_code");
    expect(logged).not.toHaveProperty("auth_code");
  });
});

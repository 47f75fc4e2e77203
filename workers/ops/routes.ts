// The operator page (/ops) and its JSON (/ops/api/*). Not part of the public contract or
// /openapi.json: operators only, behind Cloudflare Access (access.ts).
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";
import { requireOperator } from "./access";
import { analyticsFigures } from "./analytics-sql";
import { OPS_PAGE, OPS_SCRIPT, OPS_STYLE } from "./page";
import { deadLetterById, listDeadLetters, overview } from "./queries";
import { replayAll, replayDeadLetter, type ReplayResult } from "./replay";

const idParam = z.object({ id: z.coerce.number().int().positive() });
const listQuery = z.object({ status: z.enum(["open", "all"]).default("open"), queue: z.string().regex(/^[\w-]{1,64}$/).optional() });
const replayAllBody = z.object({ queue: z.string().regex(/^[\w-]{1,64}$/) });

function parsed<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new ApiError("BAD_REQUEST", result.error.issues[0]?.message ?? "invalid request");
  return result.data;
}

const STATUS_OF: Record<ReplayResult["status"], 200 | 404 | 409> = { replayed: 200, not_found: 404, refused: 409 };

export function registerOpsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("/ops", requireOperator());
  app.use("/ops/*", requireOperator());
  app.use("/ops/*", async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });

  app.get("/ops", (c) => c.html(OPS_PAGE));
  app.get("/ops/app.js", (c) => c.body(OPS_SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/ops/style.css", (c) => c.body(OPS_STYLE, 200, { "content-type": "text/css; charset=utf-8" }));

  app.get("/ops/api/overview", async (c) => c.json(await overview(c.get("database")().pool)));
  app.get("/ops/api/metrics", async (c) => c.json(await analyticsFigures(c.get("config"))));

  app.get("/ops/api/dead-letters", async (c) => {
    const query = parsed(listQuery, c.req.query());
    return c.json({ items: await listDeadLetters(c.get("database")().pool, { open: query.status === "open", queue: query.queue }) });
  });

  app.get("/ops/api/dead-letters/:id", async (c) => {
    const letter = await deadLetterById(c.get("database")().pool, parsed(idParam, c.req.param()).id);
    if (!letter) throw new ApiError("NOT_FOUND", "no such dead letter");
    return c.json(letter);
  });

  app.post("/ops/api/dead-letters/:id/replay", async (c) => {
    const { id } = parsed(idParam, c.req.param());
    const result = await replayDeadLetter(c.get("database")().pool, c.env, id, c.get("operator"));
    c.get("log").info("dead_letter_replay", { dead_letter_id: id, outcome: result.status, operator_kind: operatorKind(c.get("operator")) });
    return c.json(result, STATUS_OF[result.status]);
  });

  app.post("/ops/api/dead-letters/replay", async (c) => {
    const { queue } = parsed(replayAllBody, await c.req.json().catch(() => null));
    const results = await replayAll(c.get("database")().pool, c.env, queue, c.get("operator"));
    const replayed = results.filter((r) => r.status === "replayed").length;
    c.get("log").info("dead_letter_replay_all", { queue, replayed, refused: results.length - replayed });
    return c.json({ replayed, items: results });
  });
}

/** Log lines say what kind of operator acted; the name itself (an email) stays in the database. */
function operatorKind(operator: string): string {
  return operator.startsWith("service:") ? "service_token" : operator.includes("@") ? "person" : "local";
}

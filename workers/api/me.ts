// Routes: GET/PATCH /v1/me — the user's profile (CONTRACT §4). The time zone decides the user's
// "today" and the date of every night, so only IANA names the runtime knows are accepted.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { sql } from "drizzle-orm";
import { redateAndRecompute } from "./phone-redate";
import { audit } from "../lib/audit";
import { isTimeZone } from "../lib/calendar";
import type { AppEnv } from "../lib/context";
import { ApiError, errorResponse } from "../lib/errors";
import { forgetVerifiedUser } from "../lib/users";
import { limitBody, SMALL_BODY_MAX_BYTES } from "../lib/body-limit";

const profileSchema = z.object({
  id: z.uuid(),
  timezone: z.string().openapi({ example: "Europe/Berlin" }),
  created_at: z.string().openapi({ format: "date-time" }),
}).openapi("Profile");

type Profile = z.infer<typeof profileSchema>;

const profileUpdate = z.object({
  timezone: z.string().refine(isTimeZone, { message: "must be an IANA time zone name, e.g. Europe/Berlin" })
    .openapi({ example: "Europe/Berlin" }),
}).strict();

const getRoute = createRoute({
  method: "get",
  path: "/v1/me",
  summary: "The user's profile (created on first use, time zone UTC)",
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: "profile", content: { "application/json": { schema: profileSchema } } },
    401: errorResponse("missing or invalid bearer token"),
  },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/me",
  summary: "Change the user's time zone",
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { "application/json": { schema: profileUpdate } } } },
  responses: {
    200: { description: "the updated profile", content: { "application/json": { schema: profileSchema } } },
    400: errorResponse("not an IANA time zone, or not a JSON body"),
    401: errorResponse("missing or invalid bearer token"),
    413: errorResponse(`body over ${SMALL_BODY_MAX_BYTES} bytes`),
  },
});

const profileColumns = sql.raw(`id, timezone, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`);

export function registerMeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { rows } = await c.get("database")().db.execute<Profile>(sql`
      SELECT ${profileColumns} FROM users WHERE id = ${c.get("user").id}`);
    return c.json(found(rows[0]), 200);
  });

  // Capped before the body is read (registered ahead of the route, so it runs first).
  app.on("PATCH", "/v1/me", limitBody(SMALL_BODY_MAX_BYTES));
  app.openapi(patchRoute, async (c) => {
    // Stored in the runtime's canonical spelling ("europe/berlin" → "Europe/Berlin").
    const timezone = new Intl.DateTimeFormat("en-US", { timeZone: c.req.valid("json").timezone }).resolvedOptions().timeZone;
    const { rows } = await c.get("database")().db.execute<Profile>(sql`
      UPDATE users SET timezone = ${timezone} WHERE id = ${c.get("user").id} RETURNING ${profileColumns}`);
    const profile = found(rows[0]);
    // This isolate's next request sees the new time zone at once (others within the cache TTL).
    forgetVerifiedUser(c.get("user").id);
    // Phone days dated in the old zone (uploads without an offset) are dated again in the new one.
    await redateAndRecompute(c.get("database")().db, c.env.INSIGHTS_QUEUE, c.get("user").id, c.get("user").timezone, timezone);
    await auditProfileUpdate(c);
    return c.json(profile, 200);
  });
}

/** The row is gone only when the user was erased during this request. */
function found(profile: Profile | undefined): Profile {
  if (!profile) throw new ApiError("NOT_FOUND", "user not found");
  return profile;
}

async function auditProfileUpdate(c: Context<AppEnv>): Promise<void> {
  const { auditRef } = c.get("user");
  await audit(c.get("database")().db, {
    actorRef: auditRef, action: "update_profile", subjectRef: auditRef, resource: "users.timezone", requestId: c.get("requestId"),
  });
}

// A local stand-in for PostHog: records what posthog-node sends to the capture endpoint (`/batch/`,
// gzip or plain JSON, as the client chooses) and the person deletions the hub asks for through the
// private API (`/api/projects/:id/persons/bulk_delete/`), so tests can assert both.
import { gunzipSync } from "node:zlib";
import type { IncomingMessage } from "node:http";
import { listen, parseJsonBody, readRawBody, Router, sendJson, type RunningServer } from "./http";

export interface CapturedEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  api_key: string;
}

export interface PersonDeletion {
  project_id: string;
  distinct_ids: string[];
  delete_events: boolean;
  authorization: string;
}

export interface PosthogSim {
  url: string;
  events: CapturedEvent[];
  deletions: PersonDeletion[];
  /** The hub's configuration (CONTRACT §1 names plus the distinct-id key) pointing at this stand-in. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function readMaybeGzipped(req: IncomingMessage): Promise<unknown> {
  const raw = await readRawBody(req);
  return parseJsonBody(req.headers["content-encoding"] === "gzip" ? gunzipSync(raw).toString("utf8") : raw.toString("utf8"));
}

export async function startPosthogSim(options: { port?: number; projectKey?: string; personalKey?: string; projectId?: string } = {}): Promise<PosthogSim> {
  const projectKey = options.projectKey ?? "phc_local_standin";
  const personalKey = options.personalKey ?? "phx_local_standin";
  const projectId = options.projectId ?? "4242";
  const events: CapturedEvent[] = [];
  const deletions: PersonDeletion[] = [];
  const router = new Router();
  router.on("POST", "/batch/", async ({ req, res }) => {
    const body = (await readMaybeGzipped(req)) as { api_key?: string; batch?: Omit<CapturedEvent, "api_key">[] };
    if (body.api_key !== projectKey) return sendJson(res, 401, { type: "authentication_error" });
    for (const item of body.batch ?? []) events.push({ event: item.event, distinct_id: item.distinct_id, properties: item.properties ?? {}, api_key: body.api_key });
    sendJson(res, 200, { status: 1 });
  });
  router.on("POST", "/api/projects/:project/persons/bulk_delete/", async ({ req, res, params }) => {
    const authorization = req.headers.authorization ?? "";
    if (authorization !== `Bearer ${personalKey}`) return sendJson(res, 401, { detail: "invalid personal API key" });
    const body = (await readMaybeGzipped(req)) as { distinct_ids?: string[]; delete_events?: boolean };
    deletions.push({ project_id: params.project!, distinct_ids: body.distinct_ids ?? [], delete_events: body.delete_events === true, authorization });
    sendJson(res, 202, {});
  });
  const server: RunningServer = await listen(router, options.port ?? 0);
  return {
    url: server.url,
    events,
    deletions,
    env: {
      POSTHOG_KEY: projectKey,
      POSTHOG_HOST: server.url,
      POSTHOG_ID_KEY: "local-standin-distinct-id-key",
      POSTHOG_PERSONAL_API_KEY: personalKey,
      POSTHOG_PROJECT_ID: projectId,
    },
    stop: () => server.stop(),
  };
}

// Oura API v2 simulator: OAuth, the sleep, daily_sleep and workout collections, webhook subscriptions
// and signed deliveries.
import { createHmac, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { addDays, type OuraSleepDocument } from "./generate";
import {
  bearerToken,
  decodePageToken,
  encodePageToken,
  FaultPlan,
  listen,
  logRequests,
  readForm,
  readJson,
  Router,
  sendEmpty,
  sendJson,
  type LoggedRequest,
  type RequestContext,
  type RouteHandler,
} from "./http";
import { NetworkFaults } from "./faults";
import { authorizeHandler, OAuthGrants, tokenHandler, type OAuthClient } from "./oauth";

export interface OuraSimOptions extends OAuthClient {
  port?: number;
  /** Documents per page of a collection. */
  pageSize?: number;
  accessTokenTtlSeconds?: number;
  /** Oura does not document the lifetime; the hub must read `expiration_time`, so any value works. */
  subscriptionTtlSeconds?: number;
  /** Oura calls the callback with a challenge before it creates a subscription; tests may skip that. */
  verifyCallbacks?: boolean;
}

export interface OuraPersonalInfo {
  id: string;
  age: number;
  weight: number;
  height: number;
  biological_sex: string;
  email: string;
}

/** A stored document may be incomplete or malformed on purpose, to test the hub's validation. */
export type OuraSleepInput = Pick<OuraSleepDocument, "id" | "day"> & Record<string, unknown>;

export type OuraEventType = "create" | "update" | "delete";

/** Collections besides `sleep` that the simulator serves. */
export const OURA_ACTIVITY_TYPES = ["daily_sleep", "workout"] as const;
export type OuraActivityType = (typeof OURA_ACTIVITY_TYPES)[number];
export type OuraDocumentInput = { id: string; day: string } & Record<string, unknown>;

export interface OuraSubscription {
  id: string;
  callback_url: string;
  event_type: OuraEventType;
  data_type: string;
  expiration_time: string;
}

export interface OuraWebhookEvent {
  event_type: OuraEventType;
  data_type: string;
  object_id: string;
  event_time: string;
  user_id: string;
}

export interface SignedWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface OuraSim {
  url: string;
  stop(): Promise<void>;
  addUser(vendorUserId: string, info?: Partial<Omit<OuraPersonalInfo, "id">>): void;
  putSleep(vendorUserId: string, document: OuraSleepInput): void;
  deleteSleep(id: string): boolean;
  /** Stores a `daily_sleep` or `workout` document (listed and read like `sleep`, by `day`). */
  putDocument(dataType: OuraActivityType, vendorUserId: string, document: OuraDocumentInput): void;
  deleteDocument(dataType: OuraActivityType, id: string): boolean;
  /** The next `count` API calls answer `status` (with Retry-After when given). */
  failNext(count: number, status: number, retryAfterSeconds?: number, account?: string): void;
  /** Expires the account's access tokens (every account's when none is named). */
  expireAccessTokens(vendorUserId?: string): void;
  /** While lapsed, the account's data endpoints answer 403 as Oura does for a lapsed membership. */
  setMembershipActive(vendorUserId: string, active: boolean): void;
  signedWebhook(body: OuraWebhookEvent | string, options?: { timestampSeconds?: number }): SignedWebhook;
  /** POSTs a signed notification to `callbackUrl`; resolves with the answer's status. */
  deliverWebhook(callbackUrl: string, body: OuraWebhookEvent | string): Promise<number>;
  /** Delivers to every unexpired subscription for the event's type; resolves with their statuses. */
  notify(event: OuraWebhookEvent): Promise<number[]>;
  /** Every request answered so far (method, path, query without credentials, status). */
  readonly requests: LoggedRequest[];
  /** Live subscription objects: a test may change `expiration_time` to exercise renewal. */
  readonly subscriptions: OuraSubscription[];
  readonly revokedTokens: string[];
  /** Latency, 5xx/429 bursts and slow bodies on every request (faults.ts). */
  readonly network: NetworkFaults;
}

const DAY_S = 86_400;
const EVENT_TYPES = new Set<string>(["create", "update", "delete"]);
const DATA_TYPES = new Set([
  "tag",
  "enhanced_tag",
  "workout",
  "session",
  "sleep",
  "daily_sleep",
  "daily_readiness",
  "daily_activity",
  "daily_spo2",
  "sleep_time",
  "rest_mode_period",
  "ring_configuration",
  "daily_stress",
  "daily_cycle_phases",
]);

export async function startOuraSim(options: OuraSimOptions): Promise<OuraSim> {
  const pageSize = options.pageSize ?? 10;
  const subscriptionTtlSeconds = options.subscriptionTtlSeconds ?? 30 * DAY_S;
  const users = new Map<string, OuraPersonalInfo>();
  const sleeps = new Map<string, { owner: string; document: OuraSleepInput }>();
  const activity = new Map<OuraActivityType, Map<string, { owner: string; document: OuraDocumentInput }>>(
    OURA_ACTIVITY_TYPES.map((type) => [type, new Map()]),
  );
  const subscriptions = new Map<string, OuraSubscription>();
  const requests: LoggedRequest[] = [];
  const faults = new FaultPlan();
  const network = new NetworkFaults({ errorBody: (status) => ({ detail: `simulated HTTP ${status}` }) });
  const lapsedMemberships = new Set<string>();
  const grants = new OAuthGrants<string>({
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? DAY_S,
    tokenPrefix: "oura",
    grantsRefreshToken: () => true,
  });

  const api =
    (handler: (ctx: RequestContext, userId: string) => void): RouteHandler =>
    (ctx) => {
      const token = bearerToken(ctx.req);
      const userId = token === undefined ? undefined : grants.userFor(token);
      if (faults.answer(ctx.res, (status) => ({ detail: `simulated HTTP ${status}` }), userId)) return;
      if (userId === undefined) return sendJson(ctx.res, 401, { detail: "Invalid or expired access token" });
      // Gen3 and Ring 4 data is served only while the user's Oura membership is active.
      if (lapsedMemberships.has(userId) && ctx.url.pathname !== "/v2/usercollection/personal_info") {
        return sendJson(ctx.res, 403, { detail: "The user's Oura membership is not active; their data is not available through the API" });
      }
      handler(ctx, userId);
    };

  const webhookClient =
    (handler: RouteHandler): RouteHandler =>
    (ctx) => {
      if (faults.answer(ctx.res, (status) => ({ detail: `simulated HTTP ${status}` }))) return;
      const { headers } = ctx.req;
      if (headers["x-client-id"] !== options.clientId || headers["x-client-secret"] !== options.clientSecret) {
        return sendJson(ctx.res, 401, { detail: "Invalid client credentials" });
      }
      return handler(ctx);
    };

  const renewed = (subscription: OuraSubscription) => {
    subscription.expiration_time = new Date(Date.now() + subscriptionTtlSeconds * 1000).toISOString();
    return subscription;
  };

  const signedWebhook: OuraSim["signedWebhook"] = (body, signOptions = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const timestamp = String(signOptions.timestampSeconds ?? Math.floor(Date.now() / 1000));
    const signature = createHmac("sha256", options.clientSecret).update(timestamp + text).digest("hex").toUpperCase();
    return {
      headers: { "content-type": "application/json", "x-oura-signature": signature, "x-oura-timestamp": timestamp },
      body: text,
    };
  };

  const deliverWebhook: OuraSim["deliverWebhook"] = async (callbackUrl, body) => {
    const signed = signedWebhook(body);
    const response = await fetch(callbackUrl, { method: "POST", headers: signed.headers, body: signed.body });
    await response.body?.cancel();
    return response.status;
  };

  const router = new Router()
    .onRequest((ctx) => logRequests(requests, ctx))
    .intercept(network)
    .on(
      "GET",
      "/oauth/authorize",
      authorizeHandler({
        client: options,
        grants,
        defaultScope: "email personal daily heartrate workout tag session spo2Daily",
        resolveUser: (requested) => (requested === null ? users.keys().next().value : users.get(requested)?.id),
      }),
    )
    .on("POST", "/oauth/token", tokenHandler(options, grants));

  const revoke: RouteHandler = async ({ req, res, url }) => {
    const token = url.searchParams.get("access_token") ?? (await readForm(req)).get("access_token") ?? "";
    if (!grants.revoke(token)) return sendJson(res, 400, { error: "invalid_token" });
    sendJson(res, 200, {});
  };
  router.on("GET", "/oauth/revoke", revoke).on("POST", "/oauth/revoke", revoke);

  router.on("GET", "/v2/usercollection/personal_info", api(({ res }, userId) => sendJson(res, 200, users.get(userId))));

  /** A collection as Oura serves it: listed by `day` (both ends inclusive, paged) and read by id, each user's own. */
  const serveCollection = <D extends { id: string; day: string }>(
    dataType: string,
    documents: Map<string, { owner: string; document: D }>,
    order: (a: D, b: D) => number,
  ) =>
    router
      .on(
        "GET",
        `/v2/usercollection/${dataType}`,
        api(({ res, url }, userId) => {
          const query = url.searchParams;
          const endDate = query.get("end_date") ?? new Date().toISOString().slice(0, 10);
          const startDate = query.get("start_date") ?? (isDate(endDate) ? addDays(endDate, -1) : endDate);
          if (!isDate(startDate) || !isDate(endDate)) return sendJson(res, 400, { detail: "Invalid date" });
          const matching = [...documents.values()]
            .filter(({ owner, document }) => owner === userId && document.day >= startDate && document.day <= endDate)
            .map(({ document }) => document)
            .sort(order);
          const offset = decodePageToken(query.get("next_token"));
          const nextOffset = offset + pageSize;
          sendJson(res, 200, {
            data: matching.slice(offset, nextOffset),
            next_token: nextOffset < matching.length ? encodePageToken(nextOffset) : null,
          });
        }),
      )
      .on(
        "GET",
        `/v2/usercollection/${dataType}/:id`,
        api(({ res, params }, userId) => {
          const stored = documents.get(params.id ?? "");
          if (!stored || stored.owner !== userId) return sendJson(res, 404, { detail: "Not Found" });
          sendJson(res, 200, stored.document);
        }),
      );
  serveCollection("sleep", sleeps, byDayThenStart);
  for (const [dataType, documents] of activity) {
    serveCollection(dataType, documents, (a, b) => a.day.localeCompare(b.day) || a.id.localeCompare(b.id));
  }

  const verificationTokens = new Map<string, string>();
  router
    .on(
      "POST",
      "/v2/webhook/subscription",
      webhookClient(async ({ req, res }) => {
        const request = parseSubscriptionRequest(await readJson(req));
        if (typeof request === "string") return sendJson(res, 422, { detail: request });
        const taken = [...subscriptions.values()].some(
          (existing) => existing.event_type === request.event_type && existing.data_type === request.data_type,
        );
        if (taken) return sendJson(res, 409, { detail: "Subscription already exists for this event and data type" });
        if (options.verifyCallbacks !== false && !(await callbackAnswersChallenge(request))) {
          return sendJson(res, 422, { detail: "Callback URL did not answer the verification challenge" });
        }
        const subscription = renewed({
          id: randomUUID(),
          callback_url: request.callback_url,
          event_type: request.event_type,
          data_type: request.data_type,
          expiration_time: "",
        });
        subscriptions.set(subscription.id, subscription);
        verificationTokens.set(subscription.id, request.verification_token);
        sendJson(res, 201, subscription);
      }),
    )
    .on(
      "GET",
      "/v2/webhook/subscription",
      webhookClient(({ res }) => sendJson(res, 200, [...subscriptions.values()])),
    )
    .on(
      "GET",
      "/v2/webhook/subscription/:id",
      webhookClient(({ res, params }) => {
        const subscription = subscriptions.get(params.id ?? "");
        if (!subscription) return missingSubscription(res);
        sendJson(res, 200, subscription);
      }),
    )
    .on(
      "PUT",
      "/v2/webhook/subscription/renew/:id",
      webhookClient(({ res, params }) => {
        const subscription = subscriptions.get(params.id ?? "");
        if (!subscription) return missingSubscription(res);
        sendJson(res, 200, renewed(subscription));
      }),
    )
    .on(
      "DELETE",
      "/v2/webhook/subscription/:id",
      webhookClient(({ res, params }) => {
        const id = params.id ?? "";
        if (!subscriptions.delete(id)) return missingSubscription(res);
        verificationTokens.delete(id);
        sendEmpty(res, 204);
      }),
    );

  const server = await listen(router, options.port);
  return {
    url: server.url,
    stop: server.stop,
    addUser(vendorUserId, info = {}) {
      users.set(vendorUserId, {
        id: vendorUserId,
        age: 34,
        weight: 70,
        height: 1.75,
        biological_sex: "female",
        email: `${vendorUserId}@example.test`,
        ...info,
      });
    },
    putSleep(vendorUserId, document) {
      if (!users.has(vendorUserId)) throw new Error(`unknown simulated Oura user ${vendorUserId}`);
      sleeps.set(document.id, { owner: vendorUserId, document });
    },
    deleteSleep: (id) => sleeps.delete(id),
    putDocument(dataType, vendorUserId, document) {
      if (!users.has(vendorUserId)) throw new Error(`unknown simulated Oura user ${vendorUserId}`);
      const documents = activity.get(dataType);
      if (!documents) throw new Error(`the simulator does not serve ${dataType}`);
      documents.set(document.id, { owner: vendorUserId, document });
    },
    deleteDocument: (dataType, id) => activity.get(dataType)?.delete(id) ?? false,
    failNext: (count, status, retryAfterSeconds, account) => faults.failNext(count, status, retryAfterSeconds, account),
    expireAccessTokens: (account) => grants.expireAccessTokens(account),
    setMembershipActive(vendorUserId, active) {
      if (active) lapsedMemberships.delete(vendorUserId);
      else lapsedMemberships.add(vendorUserId);
    },
    signedWebhook,
    deliverWebhook,
    async notify(event) {
      const now = Date.now();
      const targets = [...subscriptions.values()].filter(
        (subscription) =>
          subscription.event_type === event.event_type &&
          subscription.data_type === event.data_type &&
          Date.parse(subscription.expiration_time) > now,
      );
      return Promise.all(targets.map((subscription) => deliverWebhook(subscription.callback_url, event)));
    },
    requests,
    get subscriptions() {
      return [...subscriptions.values()];
    },
    revokedTokens: grants.revokedTokens,
    network,
  };
}

interface SubscriptionRequest {
  callback_url: string;
  verification_token: string;
  event_type: OuraEventType;
  data_type: string;
}

/** The request, or a message naming what is wrong with it. */
function parseSubscriptionRequest(body: unknown): SubscriptionRequest | string {
  if (typeof body !== "object" || body === null) return "Body must be a JSON object";
  const { callback_url, verification_token, event_type, data_type } = body as Record<string, unknown>;
  if (typeof callback_url !== "string" || !URL.canParse(callback_url)) return "callback_url must be a URL";
  if (typeof verification_token !== "string" || verification_token === "") return "verification_token is required";
  if (typeof event_type !== "string" || !EVENT_TYPES.has(event_type)) {
    return "event_type must be create, update or delete";
  }
  if (typeof data_type !== "string" || !DATA_TYPES.has(data_type)) return "data_type is not a known Oura data type";
  return { callback_url, verification_token, event_type: event_type as OuraEventType, data_type };
}

async function callbackAnswersChallenge(request: SubscriptionRequest): Promise<boolean> {
  const challenge = randomUUID();
  const url = new URL(request.callback_url);
  url.searchParams.set("verification_token", request.verification_token);
  url.searchParams.set("challenge", challenge);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return false;
    const body = (await response.json()) as { challenge?: unknown };
    return body.challenge === challenge;
  } catch {
    return false;
  }
}

/** Oura answers 403, not 404, for a subscription id it does not have (get, renew and delete). */
function missingSubscription(res: ServerResponse): void {
  sendJson(res, 403, { detail: "Subscription not found or not owned by this application" });
}

function byDayThenStart(a: OuraSleepInput, b: OuraSleepInput): number {
  const byDay = a.day.localeCompare(b.day);
  return byDay !== 0 ? byDay : String(a.bedtime_start ?? "").localeCompare(String(b.bedtime_start ?? ""));
}

function isDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text));
}

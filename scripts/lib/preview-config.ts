// Per-pull-request preview environments: names, the wrangler config and the resource list.
// Workers that hold a Durable Object get no version preview URLs, so each pull request gets a Worker
// of its own (`<worker>-pr-<n>`), derived from the staging environment of wrangler.toml with every
// name that would collide made unique: Worker, queues (and so their DLQs), rate-limit namespaces. The
// Durable Object namespace belongs to the Worker script, so a new script is a new namespace.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";

export interface PreviewOptions {
  pr: number;
  /** Apex domain; the preview answers on pr-<n>.<domain>. */
  domain: string;
  /** `aud` of the previews Access application (terraform/envs/preview output `access_aud`). */
  accessAud: string;
  /** `<team>.cloudflareaccess.com` (terraform/envs/preview output `access_team_domain`). */
  accessTeamDomain: string;
  /** Defaults to wrangler.toml in the working directory. */
  configPath?: string;
}

export interface PreviewNames {
  script: string;
  host: string;
  queues: string[];
}

export type PreviewResource =
  | { kind: "worker"; name: string }
  | { kind: "custom-domain"; name: string }
  | { kind: "queue"; name: string }
  | { kind: "access-destination"; name: string }
  | { kind: "neon-branch"; name: string };

/** Rate-limit namespace ids are account-wide integers; previews take 900000 + 10·n + index. */
export const PREVIEW_NAMESPACE_BASE = 900_000;
const STAGING = "staging";

export function assertPullRequestNumber(pr: number): void {
  if (!Number.isInteger(pr) || pr < 1 || pr > 9_999) throw new Error(`not a pull request number: ${pr}`);
}

interface QueueConsumer {
  queue: string;
  dead_letter_queue?: string;
  [setting: string]: unknown;
}

/** The parts of wrangler's resolved config that a preview copies. */
interface StagingConfig {
  name: string;
  main: string;
  compatibility_date?: string;
  compatibility_flags: string[];
  keep_names?: boolean;
  observability?: unknown;
  vars: Record<string, unknown>;
  durable_objects: { bindings: { name: string; class_name: string }[] };
  migrations: unknown[];
  queues: { producers?: { binding: string; queue: string }[]; consumers?: QueueConsumer[] };
  ratelimits: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
}

function readStaging(configPath: string): StagingConfig {
  const config = unstable_readConfig({ config: configPath, env: STAGING }) as unknown as StagingConfig;
  if (!config.name || !config.main) throw new Error(`${configPath} has no ${STAGING} Worker name or main module`);
  return config;
}

/** The staging script's name is `<worker>-staging`; previews swap the suffix. */
function baseWorkerName(stagingScript: string): string {
  if (!stagingScript.endsWith(`-${STAGING}`)) throw new Error(`staging Worker ${stagingScript} does not end in -${STAGING}`);
  return stagingScript.slice(0, -STAGING.length - 1);
}

function renameQueue(queue: string, from: string, to: string): string {
  if (!queue.startsWith(`${from}-`)) throw new Error(`queue ${queue} does not follow the <script>-<role> rule`);
  return `${to}${queue.slice(from.length)}`;
}

export function previewNames(options: Pick<PreviewOptions, "pr" | "domain" | "configPath">): PreviewNames {
  assertPullRequestNumber(options.pr);
  const staging = readStaging(options.configPath ?? "wrangler.toml");
  const script = `${baseWorkerName(staging.name)}-pr-${options.pr}`;
  const queues = new Set<string>();
  for (const producer of staging.queues.producers ?? []) queues.add(producer.queue);
  for (const consumer of staging.queues.consumers ?? []) {
    queues.add(consumer.queue);
    if (consumer.dead_letter_queue) queues.add(consumer.dead_letter_queue);
  }
  return {
    script,
    host: `pr-${options.pr}.${options.domain}`,
    queues: [...queues].map((queue) => renameQueue(queue, staging.name, script)),
  };
}

/** A wrangler config (JSON form) for the preview, built from the staging environment. */
export function buildPreviewConfig(options: PreviewOptions, outDir: string): Record<string, unknown> {
  const staging = readStaging(options.configPath ?? "wrangler.toml");
  const { script, host } = previewNames(options);
  const rename = (queue: string) => renameQueue(queue, staging.name, script);
  return {
    name: script,
    main: relative(outDir, staging.main),
    compatibility_date: staging.compatibility_date,
    compatibility_flags: staging.compatibility_flags,
    keep_names: staging.keep_names,
    observability: staging.observability,
    // Reachable only through its custom domain, which Access guards: no workers.dev or preview URLs.
    workers_dev: false,
    preview_urls: false,
    routes: [{ pattern: host, custom_domain: true }],
    vars: {
      ...staging.vars,
      ENVIRONMENT: "preview",
      PUBLIC_BASE_URL: `https://${host}`,
      ACCESS_AUD: options.accessAud,
      ACCESS_TEAM_DOMAIN: options.accessTeamDomain,
    },
    durable_objects: { bindings: staging.durable_objects.bindings.map(({ name, class_name }) => ({ name, class_name })) },
    migrations: staging.migrations,
    queues: {
      producers: (staging.queues.producers ?? []).map((p) => ({ ...p, queue: rename(p.queue) })),
      consumers: (staging.queues.consumers ?? []).map((c) => ({
        ...c,
        queue: rename(c.queue),
        ...(c.dead_letter_queue ? { dead_letter_queue: rename(c.dead_letter_queue) } : {}),
      })),
    },
    ratelimits: staging.ratelimits.map((limit, index) => ({
      ...limit,
      namespace_id: String(PREVIEW_NAMESPACE_BASE + options.pr * 10 + index),
    })),
    // No crons: a preview runs on a copy of staging's data, and reconciling would refresh staging's
    // vendor tokens from a second place (rotating refresh tokens break under that).
    triggers: { crons: [] },
  };
}

/** Writes the preview config to .wrangler/previews/pr-<n>/wrangler.json and returns its path. */
export function writePreviewConfig(options: PreviewOptions, root = "."): string {
  const path = resolve(root, ".wrangler", "previews", `pr-${options.pr}`, "wrangler.json");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(buildPreviewConfig(options, dirname(path)), null, 2)}\n`);
  return path;
}

/** Everything a preview consists of, in creation order; teardown walks the same list backwards. */
export function previewResources(options: Pick<PreviewOptions, "pr" | "domain" | "configPath">): PreviewResource[] {
  const names = previewNames(options);
  return [
    { kind: "access-destination", name: names.host },
    { kind: "neon-branch", name: previewBranchName(options.pr) },
    ...names.queues.map((name) => ({ kind: "queue" as const, name })),
    { kind: "worker", name: names.script },
    { kind: "custom-domain", name: names.host },
  ];
}

export function previewBranchName(pr: number): string {
  return `preview/pr-${pr}`;
}

// terraform/ cannot be planned here (no terraform binary or providers), so it is checked as data:
// every file parsed with hcl2json, the roots' wiring, variables, backends and rules asserted, and the
// names and limits compared with what wrangler makes of wrangler.toml and with config/limits.json.
import { parse } from "@cdktf/hcl2json";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";
import { beforeAll, describe, expect, it } from "vitest";
import { writePreviewConfig } from "../../scripts/lib/preview-config";

// Parsed HCL is untyped JSON.
type Hcl = Record<string, any>;
type QueueBinding = { queue: string; dead_letter_queue?: string };

const ROOTS = ["staging", "production", "preview"] as const;
const MODULES = ["edge", "queues", "access", "storage"] as const;
const limits = JSON.parse(readFileSync("config/limits.json", "utf8"));

async function loadDir(dir: string): Promise<Hcl> {
  const merged: Hcl = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".tf"))) {
    const parsed = (await parse(file, readFileSync(join(dir, file), "utf8"))) as Hcl;
    for (const [block, value] of Object.entries(parsed)) {
      if (Array.isArray(value)) merged[block] = [...(merged[block] ?? []), ...value];
      // `variable "x"` parses to {x: [..]}, `resource "t" "x"` to {t: {x: [..]}}.
      else for (const [kind, byName] of Object.entries(value as Hcl)) {
        const entry = Array.isArray(byName) ? byName : { ...merged[block]?.[kind], ...(byName as Hcl) };
        merged[block] = { ...merged[block], [kind]: entry };
      }
    }
  }
  return merged;
}

const tf: Record<string, Hcl> = {};
const dirOf = (name: string) => (ROOTS.includes(name as never) ? `terraform/envs/${name}` : `terraform/modules/${name}`);
beforeAll(async () => {
  for (const name of [...ROOTS, ...MODULES]) tf[name] = await loadDir(dirOf(name));
});

const locals = (name: string): Hcl => Object.assign({}, ...(tf[name]!.locals ?? []));
const resource = (name: string, type: string, id: string): Hcl => tf[name]!.resource[type][id][0];
const rulesOf = (id: string): Hcl[] => resource("edge", "cloudflare_ruleset", id).rules;
const rule = (id: string, ref: string): Hcl => rulesOf(id).find((r) => r.ref === ref)!;
const trackedFiles = (dir: string) => execFileSync("git", ["ls-files", dir], { encoding: "utf8" }).trim().split("\n");

/** Evaluates the plain `${var.x}`/`${local.x}` interpolations used by the naming rule. */
function interpolate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([\w.]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`unknown reference ${name}`);
    return values[name]!;
  });
}

describe("terraform layout", () => {
  it("parses every .tf file, and only envs/* and modules/* hold any", async () => {
    const files = trackedFiles("terraform").filter((f) => f.endsWith(".tf"));
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      expect(file).toMatch(/^terraform\/(envs\/(staging|production|preview)|modules\/(edge|queues|access|storage))\/[\w-]+\.tf$/);
      await expect(parse(file, readFileSync(file, "utf8"))).resolves.toBeTypeOf("object");
    }
  });

  it("gives every root its own state in R2 through the S3 backend, locked, with the provider pinned to one 5.x release", () => {
    const keys = new Set<string>();
    const versions = new Set<string>();
    for (const root of ROOTS) {
      const block = tf[root]!.terraform[0];
      const backend = block.backend.s3[0];
      expect(backend).toMatchObject({ bucket: "hph-terraform-state", region: "auto", use_lockfile: true, use_path_style: true });
      // Endpoint and credentials come from the environment, never from the file.
      for (const key of ["endpoint", "endpoints", "access_key", "secret_key", "token"]) expect(backend).not.toHaveProperty(key);
      keys.add(backend.key);
      expect(block.required_version).toBe(">= 1.10"); // S3-native locking (use_lockfile)
      const provider = block.required_providers[0].cloudflare;
      expect(provider.source).toBe("cloudflare/cloudflare");
      expect(provider.version).toMatch(/^5\.\d+\.\d+$/);
      versions.add(provider.version);
      expect(tf[root]!.provider.cloudflare).toEqual([{}]);
    }
    expect([...keys].sort()).toEqual(ROOTS.map((r) => `${r}/terraform.tfstate`).sort());
    expect(versions.size).toBe(1);
    for (const name of MODULES) expect(tf[name]!.terraform?.[0]?.backend).toBeUndefined();
  });

  it("wires each root to the modules it needs, passing every required input and nothing unknown", () => {
    const expected: Record<string, string[]> = { staging: ["edge", "queues", "storage"], production: ["edge", "queues", "storage"], preview: ["access"] };
    for (const root of ROOTS) {
      const calls = tf[root]!.module as Hcl;
      expect(Object.keys(calls).sort()).toEqual(expected[root]);
      for (const [name, [call]] of Object.entries(calls) as [string, Hcl[]][]) {
        expect(call!.source).toBe(`../../modules/${name}`);
        expect(existsSync(resolve(dirOf(root), call!.source))).toBe(true);
        const variables = tf[name]!.variable as Hcl;
        const inputs = Object.keys(call!).filter((k) => k !== "source");
        expect(inputs.filter((input) => !(input in variables)), `${root} → ${name}`).toEqual([]);
        const required = Object.entries(variables).filter(([, [v]]) => !("default" in v)).map(([k]) => k);
        expect(required.filter((r) => !inputs.includes(r)), `${root} → ${name}`).toEqual([]);
      }
    }
  });

  it("types and describes every variable, in every root and module", () => {
    for (const name of [...ROOTS, ...MODULES]) {
      for (const [variable, [definition]] of Object.entries(tf[name]!.variable as Hcl)) {
        expect(definition.type, `${name}.${variable}`).toBeTruthy();
        expect(definition.description?.length ?? 0, `${name}.${variable}`).toBeGreaterThan(10);
      }
    }
  });

  it("holds no secret-looking literal, and only *.tfvars.example files", () => {
    const files = trackedFiles("terraform");
    expect(files.filter((f) => /\.tfvars(\.json)?$/.test(f) || f.endsWith(".tfstate"))).toEqual([]);
    const secretLike = [
      /(api_token|api_key|secret|password|access_key|secret_key)\s*=\s*"[^"$]/i,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bAKIA[0-9A-Z]{16}\b/,
      /"(?=[\w-]*\d)(?=[\w-]*[A-Z])[\w-]{40}"/, // Cloudflare API tokens: 40 characters, digits and capitals
      /postgres(ql)?:\/\/[^\s"]+:[^\s"@]+@/,
    ];
    for (const file of [...files, "config/limits.json"]) {
      const text = readFileSync(file, "utf8");
      for (const pattern of secretLike) expect(pattern.test(text), `${file} matches ${pattern}`).toBe(false);
    }
    for (const root of ROOTS) expect(existsSync(`terraform/envs/${root}/terraform.tfvars.example`)).toBe(true);
  });
});

describe("terraform and wrangler.toml", () => {
  it("names the Worker and its queues exactly as wrangler.toml does, for staging and production", () => {
    const queueRoles: string[] = tf.queues!.variable.roles[0].default;
    const queueName = resource("queues", "cloudflare_queue", "this").queue_name;
    for (const environment of ["staging", "production"]) {
      const wrangler = unstable_readConfig({ config: "wrangler.toml", env: environment });
      const rootLocals = locals(environment);
      expect(rootLocals.environment).toBe(environment);
      const script = interpolate(rootLocals.script, { "var.worker_name": tf[environment]!.variable.worker_name[0].default, "local.environment": environment });
      expect(script).toBe(wrangler.name);
      expect(tf[environment]!.module.queues[0].script_name).toBe("${local.script}");
      expect(tf[environment]!.module.edge[0].script_name).toBe("${local.script}");
      const terraformQueues = queueRoles.map((role) => interpolate(queueName, { "var.script_name": script, "each.key": role }));
      const wranglerQueues = [
        ...(wrangler.queues.producers as QueueBinding[]).map((p) => p.queue),
        ...(wrangler.queues.consumers as QueueBinding[]).flatMap((c) => [c.queue, c.dead_letter_queue].filter(Boolean) as string[]),
      ];
      expect(new Set(terraformQueues)).toEqual(new Set(wranglerQueues));
    }
    expect(resource("edge", "cloudflare_workers_custom_domain", "api").service).toBe("${var.script_name}");
    expect(resource("edge", "cloudflare_workers_custom_domain", "hooks").service).toBe("${var.script_name}");
  });

  it("takes the webhook flood guard from config/limits.json, the number every Worker's limiter uses too", () => {
    const guard = limits.webhook_flood_guard;
    const dir = mkdtempSync(join(tmpdir(), "hph-tf-preview-"));
    try {
      const preview = JSON.parse(readFileSync(writePreviewConfig({ pr: 123, domain: "example.com", accessAud: "a", accessTeamDomain: "t" }, dir), "utf8"));
      const workerLimiters = [undefined, "staging", "production"].map((env) => unstable_readConfig({ config: "wrangler.toml", env }).ratelimits);
      for (const limiters of [...workerLimiters, preview.ratelimits]) {
        const webhook = (limiters as { name: string; simple: { limit: number; period: number } }[]).find((l) => l.name === "WEBHOOK_RATE_LIMITER");
        expect(webhook!.simple).toEqual({ limit: guard.requests, period: guard.period_seconds });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const environment of ["staging", "production"]) {
      const source = /file\("\$\{path\.root\}\/([^"]+)"\)/.exec(locals(environment).limits)![1]!;
      expect(resolve(`terraform/envs/${environment}`, source)).toBe(resolve("config/limits.json"));
      expect(tf[environment]!.module.edge[0].limits).toBe("${local.limits}");
    }
    const flood = rule("rate_limits", "webhook_flood_guard");
    expect(flood.expression).toBe("(${local.on_hooks} and ${local.webhooks})");
    expect(flood.ratelimit).toMatchObject({
      characteristics: ["cf.colo.id", "ip.src"],
      period: "${var.limits.webhook_flood_guard.period_seconds}",
      requests_per_period: "${var.limits.webhook_flood_guard.requests}",
    });
    // A vendor's burst of ~1,000 deliveries a second from one address passes the edge.
    expect(guard.requests / guard.period_seconds).toBeGreaterThanOrEqual(1_000);
  });

  it("rate-limits /v1/* per IP at the edge as well", () => {
    const api = rule("rate_limits", "api_per_ip");
    expect(api.expression).toBe("(${local.on_api} and ${local.v1})");
    expect(api.ratelimit.requests_per_period).toBe("${var.limits.api_per_ip.requests}");
    expect(locals("edge").v1).toBe('starts_with(http.request.uri.path, "/v1/")');
    expect(locals("edge").webhooks).toBe('starts_with(http.request.uri.path, "/webhooks/")');
    expect(limits.api_per_ip.requests).toBeGreaterThan(0);
  });
});

/** The rules-language size test of edge/rules.tf, evaluated for a declared Content-Length. */
function declaredTooLarge(template: string, max: number): (contentLength: string) => boolean {
  const js = template
    .replaceAll("${local.content_length}", "cl")
    .replace(/\$\{length\(local\.\w+_max\)\}/g, String(String(max).length))
    .replace(/\$\{local\.\w+_max\}/g, String(max))
    .replaceAll("len(cl)", "cl.length")
    .replaceAll(" gt ", " > ")
    .replaceAll(" eq ", " === ")
    .replaceAll(" or ", " || ")
    .replaceAll(" and ", " && ");
  return new Function("cl", `return ${js};`) as (contentLength: string) => boolean;
}

describe("edge rules", () => {
  it("lets only POST (and Oura's GET handshake) reach /webhooks/*, on the hooks host only", () => {
    const methods = rule("request_filters", "webhook_methods");
    expect(methods.action).toBe("block");
    expect(methods.expression).toContain("${local.on_hooks} and ${local.webhooks} and not (");
    expect(methods.expression).toContain('http.request.method eq \\"POST\\"'.replaceAll("\\", ""));
    expect(methods.expression).toContain('http.request.method eq "GET" and http.request.uri.path eq "/webhooks/oura"');
    expect(rule("request_filters", "api_host_no_webhooks").expression).toBe("(${local.on_api} and ${local.webhooks})");
  });

  it("blocks declared bodies over the contract's limits: 64 KiB on webhooks, the largest upload on the API", () => {
    const cases: [string, string, number][] = [
      ["webhook_body_size", "webhook_body_large", limits.webhook_body_max_bytes],
      ["api_body_size", "api_body_large", limits.api_body_max_bytes],
    ];
    expect(limits.webhook_body_max_bytes).toBe(64 * 1024);
    for (const [ref, local, max] of cases) {
      expect(rule("request_filters", ref).expression).toContain(`\${local.${local}}`);
      const tooLarge = declaredTooLarge(locals("edge")[local], max);
      for (const size of [0, 9, max - 1, max]) expect(tooLarge(String(size)), `${ref} ${size}`).toBe(false);
      for (const size of [max + 1, max * 2, max * 10, 10 ** 12]) expect(tooLarge(String(size)), `${ref} ${size}`).toBe(true);
    }
  });

  it("runs Cloudflare's managed and OWASP rulesets on /v1/* of the API host, never on the webhook host", () => {
    const managed = rulesOf("managed_waf");
    expect(managed.map((r) => r.action)).toEqual(["execute", "execute"]);
    expect(managed.map((r) => r.action_parameters.id)).toEqual(["${local.cloudflare_managed_ruleset}", "${local.owasp_core_ruleset}"]);
    for (const r of managed) expect(r.expression).toBe("(${local.on_api} and ${local.v1})");
    expect(JSON.stringify(managed)).not.toContain("on_hooks");
  });

  it("has exactly one root own the shared zone's rulesets, covering both environments' hosts", () => {
    expect(tf.production!.variable.manage_zone_rulesets[0].default).toBe(true);
    expect(tf.staging!.variable.manage_zone_rulesets[0].default).toBe(false);
    expect(tf.production!.variable.rule_environments[0].default).toEqual(["production", "staging"]);
    for (const id of ["request_filters", "managed_waf", "rate_limits"]) {
      expect(resource("edge", "cloudflare_ruleset", id).count).toBe("${var.manage_zone_rulesets ? 1 : 0}");
    }
  });
});

describe("Access for previews", () => {
  it("covers every pr-<n> host with one application whose aud is the preview root's output", () => {
    const app = resource("access", "cloudflare_zero_trust_access_application", "previews");
    expect(app.type).toBe("self_hosted");
    expect(app.destinations).toContain("uri = host");
    expect(locals("access").preview_hosts).toContain('"pr-${pr}.${var.domain}"');
    expect(tf.access!.output.aud[0].value).toBe("${cloudflare_zero_trust_access_application.previews.aud}");
    expect(tf.preview!.output.access_aud[0].value).toBe("${module.access.aud}");
  });

  it("bypasses Access on /webhooks/* of every preview host, and lets CI in with a service token", () => {
    const webhooks = resource("access", "cloudflare_zero_trust_access_application", "preview_webhooks");
    expect(webhooks.destinations).toContain('"${host}/webhooks/*"');
    expect(webhooks.policies[0].id).toBe("${cloudflare_zero_trust_access_policy.webhooks_bypass.id}");
    const policy = (id: string) => resource("access", "cloudflare_zero_trust_access_policy", id);
    expect(policy("webhooks_bypass").decision).toBe("bypass");
    expect(policy("team").decision).toBe("allow");
    expect(locals("access").team_include).toContain("email_domain");
    expect(locals("access").team_include).toContain("group");
    expect(policy("ci").decision).toBe("non_identity");
    expect(policy("ci").include[0].service_token.token_id).toBe("${cloudflare_zero_trust_access_service_token.ci.id}");
    expect(tf.preview!.output.service_token_client_secret[0].sensitive).toBe(true);
  });
});

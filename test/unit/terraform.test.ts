// terraform/ cannot be planned here (no terraform binary or providers), so it is checked structurally:
// parsed with hcl2json, its naming rule evaluated and compared with what wrangler makes of wrangler.toml.
import { parse } from "@cdktf/hcl2json";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { beforeAll, describe, expect, it } from "vitest";

// Parsed HCL is untyped JSON.
type Hcl = Record<string, any>;
type QueueBinding = { queue: string; dead_letter_queue?: string };

let tf: Hcl = {};
beforeAll(async () => {
  for (const file of readdirSync("terraform").filter((f) => f.endsWith(".tf"))) {
    const parsed = await parse(file, readFileSync(join("terraform", file), "utf8"));
    for (const [block, value] of Object.entries(parsed as Hcl)) {
      if (Array.isArray(value)) tf[block] = [...(tf[block] ?? []), ...value];
      else for (const [kind, byName] of Object.entries(value as Hcl)) {
        tf[block] = { ...tf[block], [kind]: { ...tf[block]?.[kind], ...(byName as Hcl) } };
      }
    }
  }
});

const locals = () => Object.assign({}, ...tf.locals);
const resources = (type: string): Hcl => tf.resource[type] ?? {};

/** Evaluates the plain `${var.x}`/`${local.x}` interpolations used by the naming rule. */
function interpolate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([\w.]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`unknown reference ${name}`);
    return values[name]!;
  });
}

describe("terraform", () => {
  it("names the Worker and its queues exactly as wrangler.toml does, for every environment", () => {
    const workerName = tf.variable.worker_name[0].default;
    for (const environment of ["staging", "production"]) {
      const wrangler = unstable_readConfig({ config: "wrangler.toml", env: environment });
      const script = interpolate(locals().script, { "var.worker_name": workerName, "var.environment": environment });
      expect(script).toBe(wrangler.name);
      const queueTemplate = /"(\$\{local\.script\}-\$\{role\})"/.exec(locals().queues)![1]!;
      const terraformQueues = locals().queue_roles.map((role: string) => interpolate(queueTemplate, { "local.script": script, role }));
      const wranglerQueues = [
        ...(wrangler.queues.producers as QueueBinding[]).map((p) => p.queue),
        ...(wrangler.queues.consumers as QueueBinding[]).flatMap((c) => [c.queue, c.dead_letter_queue].filter(Boolean) as string[]),
      ];
      expect(new Set(terraformQueues)).toEqual(new Set(wranglerQueues));
    }
  });

  it("creates every queue, routes the API host to the Worker, and rate-limits webhooks at the edge", () => {
    expect(resources("cloudflare_queue").hub[0].for_each).toBe("${local.queues}");
    expect(resources("cloudflare_workers_route").api[0].script).toBe("${local.script}");
    const rule = resources("cloudflare_ruleset").rate_limits[0];
    expect(rule.phase).toBe("http_ratelimit");
    expect(JSON.stringify(rule.rules)).toContain("/webhooks/");
  });

  it("puts every preview host behind Access, with only the webhook path bypassed", () => {
    const apps = resources("cloudflare_zero_trust_access_application");
    expect(apps.preview[0].for_each).toBe("${local.previews}");
    expect(apps.preview[0].type).toBe("self_hosted");
    expect(apps.preview[0].domain).toBe("${each.value.host}");
    expect(apps.preview_webhooks[0].domain).toBe("${each.value.host}/webhooks");
    const policies = resources("cloudflare_zero_trust_access_policy");
    expect(policies.preview_team[0].decision).toBe("allow");
    expect(policies.webhooks_bypass[0].decision).toBe("bypass");
    expect(JSON.stringify(apps.preview[0].policies)).toContain("preview_team");
  });
});

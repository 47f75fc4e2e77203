// CI workflows (.github/workflows): valid YAML of the shape GitHub Actions runs, every command they
// run exists in this repository, secrets arrive only through `env:` from the secret store and no step
// prints one, and the deploy paths run their steps in the order docs/operations/deploy.md promises.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Job {
  "runs-on": string;
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const DIR = ".github/workflows";
const packageScripts = Object.keys(JSON.parse(readFileSync("package.json", "utf8")).scripts);
const workflows: Record<string, Workflow> = {};
for (const file of readdirSync(DIR).filter((f) => f.endsWith(".yml"))) {
  const document = parseDocument(readFileSync(join(DIR, file), "utf8"), { uniqueKeys: true });
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
  workflows[file] = document.toJS() as Workflow;
}
const steps = (file: string, job: string) => workflows[file]!.jobs[job]!.steps;
const runs = (file: string, job: string) => steps(file, job).filter((s) => s.run).map((s) => s.run!);
const indexOfRun = (list: string[], fragment: string) => list.findIndex((run) => run.includes(fragment));

/** Repository things a `run:` script refers to, each with whether it exists. */
function references(script: string): { ref: string; exists: boolean }[] {
  const found: { ref: string; exists: boolean }[] = [];
  const add = (ref: string, exists: boolean) => found.push({ ref, exists });
  for (const [, name] of script.matchAll(/\bnpm run ([\w:-]+)/g)) add(`npm run ${name}`, packageScripts.includes(name!));
  for (const [, path] of script.matchAll(/\b(?:tsx|node|bash) ((?:\.\/)?[\w./-]+\.(?:ts|mjs|js|sh)|\.ci\/[\w-]+)/g)) add(path!, existsSync(path!));
  for (const [, bin] of script.matchAll(/\bnpx ([\w-]+)/g)) add(`npx ${bin}`, existsSync(`node_modules/.bin/${bin}`));
  for (const [, dir] of script.matchAll(/-chdir=([\w./-]+)/g)) add(dir!, existsSync(dir!));
  for (const [, dir] of script.matchAll(/\bfmt [^\n]*?([\w./-]+)\s*$/gm)) add(dir!, existsSync(dir!));
  return found;
}

describe("workflows", () => {
  it("are valid YAML with the shape GitHub Actions runs: triggers, jobs, and steps that either use or run", () => {
    expect(Object.keys(workflows).sort()).toEqual(["ci.yml", "deploy-production.yml", "deploy-staging.yml", "preview.yml", "terraform.yml"]);
    for (const [file, workflow] of Object.entries(workflows)) {
      expect(workflow.name, file).toBeTruthy();
      expect(Object.keys(workflow.on).length, file).toBeGreaterThan(0);
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect(job["runs-on"], `${file} ${id}`).toMatch(/^ubuntu-/);
        expect(job.steps.length, `${file} ${id}`).toBeGreaterThan(0);
        for (const need of [job.needs ?? []].flat()) expect(workflow.jobs, `${file} ${id} needs ${need}`).toHaveProperty(need);
        for (const step of job.steps) expect(Number(Boolean(step.uses)) + Number(Boolean(step.run)), `${file} ${id} ${step.name}`).toBe(1);
      }
    }
  });

  it("run only scripts, npm scripts, binaries and folders that exist in this repository", () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      const found = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => s.run).flatMap((s) => references(s.run!)));
      expect(found.length, file).toBeGreaterThan(0);
      expect(found.filter((r) => !r.exists).map((r) => r.ref), file).toEqual([]);
    }
  });

  it("take secrets only from the secret store through env, and never print one", () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      const secretNames = new Set<string>();
      const collect = (env: Record<string, string> | undefined) => {
        for (const [name, value] of Object.entries(env ?? {})) if (String(value).includes("secrets.")) secretNames.add(name);
      };
      collect(workflow.env);
      for (const job of Object.values(workflow.jobs)) {
        collect(job.env);
        job.steps.forEach((step) => collect(step.env));
      }
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps) {
          const code = [step.run ?? "", step.with?.script ?? ""].join("\n");
          expect(code, `${file} ${step.name}: secrets belong in env`).not.toContain("secrets.");
          expect(code, `${file} ${step.name}`).not.toMatch(/set -x|bash -x|set -o xtrace/);
          for (const line of code.split("\n").filter((l) => /\b(echo|printf|tee|cat|console\.log)\b/.test(l))) {
            for (const name of secretNames) {
              expect(line, `${file} ${step.name} prints ${name}`).not.toMatch(new RegExp(`\\$\\{?${name}\\b|env\\.${name}\\b`));
            }
          }
        }
      }
      // Every credential the workflows use is a secret, never a literal.
      expect(readFileSync(join(DIR, file), "utf8")).not.toMatch(/(TOKEN|SECRET|KEY|PASSWORD)[\w]*:\s*["']?[A-Za-z0-9_-]{12,}/);
    }
  });
});

describe("what the workflows do", () => {
  it("CI runs the whole suite on every pull request", () => {
    expect(workflows["ci.yml"]!.on).toHaveProperty("pull_request");
    expect(runs("ci.yml", "test")).toContain("bash .ci/run");
  });

  it("previews come up on open and push and go on close, with ACCESS_AUD from the preview root's output", () => {
    const preview = workflows["preview.yml"]!;
    expect((preview.on.pull_request as { types: string[] }).types.sort()).toEqual(["closed", "opened", "reopened", "synchronize"]);
    expect(runs("preview.yml", "up").some((r) => r.includes("scripts/preview.ts up"))).toBe(true);
    expect(runs("preview.yml", "down").some((r) => r.includes("scripts/preview.ts down"))).toBe(true);
    // Close: the preview goes before its host leaves Access; open: the host joins before the deploy.
    expect(preview.jobs.access!.needs).toBe("down");
    expect(preview.jobs.up!.needs).toBe("access");
    const audStep = runs("preview.yml", "up").find((r) => r.includes("ACCESS_AUD="))!;
    expect(audStep).toContain("terraform -chdir=terraform/envs/preview output -raw access_aud");
    expect(readFileSync("terraform/envs/preview/outputs.tf", "utf8")).toContain('output "access_aud"');
    const comment = steps("preview.yml", "up").find((s) => s.uses?.startsWith("actions/github-script"))!;
    expect(comment.with!.script).toContain("createComment");
  });

  it("plans each affected root on a pull request and applies on merge, behind fmt and validate, under the state lock", () => {
    const terraform = workflows["terraform.yml"]!;
    expect(terraform.on).toHaveProperty("pull_request");
    expect((terraform.on.push as { branches: string[] }).branches).toEqual(["main"]);
    expect(runs("terraform.yml", "roots").join("\n")).toContain("terraform fmt -check -recursive");
    expect(runs("terraform.yml", "roots").join("\n")).toContain("scripts/terraform-roots.ts");
    const plan = runs("terraform.yml", "plan").join("\n");
    expect(plan.indexOf(" validate")).toBeGreaterThan(-1);
    expect(plan.indexOf(" validate")).toBeLessThan(plan.indexOf(" plan "));
    expect(plan).toContain("-lock-timeout=");
    expect(terraform.jobs.plan!.if).toContain("pull_request");
    expect(terraform.jobs.apply!.if).toContain("push");
    expect(runs("terraform.yml", "apply").join("\n")).toMatch(/apply -input=false -auto-approve -lock-timeout=/);
  });

  for (const [env, trigger] of [["staging", "branches"], ["production", "tags"]] as const) {
    it(`deploys ${env}: migrations over the direct connection, then wrangler deploy, then a smoke test, rolling back on failure`, () => {
      const file = `deploy-${env}.yml`;
      expect(workflows[file]!.on.push).toHaveProperty(trigger);
      const list = runs(file, "deploy");
      const migrate = indexOfRun(list, "npm run db:migrate");
      const deploy = indexOfRun(list, `wrangler deploy --env ${env}`);
      const smoke = indexOfRun(list, "scripts/smoke.ts");
      expect(migrate).toBeGreaterThanOrEqual(0);
      expect(migrate).toBeLessThan(deploy);
      expect(deploy).toBeLessThan(smoke);
      const migrateStep = steps(file, "deploy").find((s) => s.run === "npm run db:migrate")!;
      expect(migrateStep.env!.DATABASE_URL).toMatch(/secrets\.\w+_DIRECT/);
      const rollback = steps(file, "deploy").find((s) => s.run?.includes("wrangler rollback"))!;
      expect(rollback.if).toBe("failure() && steps.deploy.outcome == 'success'");
    });
  }
});

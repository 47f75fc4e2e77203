// Which Terraform roots a change touches, the way Atlantis decides what to plan: a root's own files,
// any module it calls, or a file it reads (config/limits.json).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ENVS_DIR = "terraform/envs";

export function terraformRoots(root = "."): string[] {
  return readdirSync(join(root, ENVS_DIR), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${ENVS_DIR}/${entry.name}`)
    .sort();
}

function rootText(root: string, dir: string): string {
  return readdirSync(join(root, dir))
    .filter((file) => file.endsWith(".tf"))
    .map((file) => readFileSync(join(root, dir, file), "utf8"))
    .join("\n");
}

export function affectedRoots(changedFiles: string[], root = "."): string[] {
  return terraformRoots(root).filter((dir) => {
    const text = rootText(root, dir);
    return changedFiles.some((file) => {
      if (file.startsWith(`${dir}/`)) return true;
      const module = /^terraform\/modules\/([\w-]+)\//.exec(file)?.[1];
      if (module) return text.includes(`"../../modules/${module}"`);
      return !file.startsWith("terraform/") && text.includes(file);
    });
  });
}

// `tsx scripts/terraform-roots.ts <base-ref>`: prints, as a JSON array, the Terraform roots that the
// changes since <base-ref> touch (the terraform workflow plans and applies exactly those).
import { execFileSync } from "node:child_process";
import { affectedRoots } from "./lib/terraform-roots";

const base = process.argv[2];
if (!base) {
  console.error("usage: tsx scripts/terraform-roots.ts <base-ref>");
  process.exit(2);
}
const changed = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
console.log(JSON.stringify(affectedRoots(changed)));

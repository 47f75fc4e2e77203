// Which Terraform roots the terraform workflow plans for a change (Atlantis-style autoplan).
import { describe, expect, it } from "vitest";
import { affectedRoots, terraformRoots } from "../../scripts/lib/terraform-roots";

describe("affected Terraform roots", () => {
  it("knows the three roots", () => {
    expect(terraformRoots()).toEqual(["terraform/envs/preview", "terraform/envs/production", "terraform/envs/staging"]);
  });

  it("plans a root for its own files, for the modules it calls, and for the limits file it reads", () => {
    expect(affectedRoots(["terraform/envs/staging/main.tf"])).toEqual(["terraform/envs/staging"]);
    expect(affectedRoots(["terraform/modules/access/main.tf"])).toEqual(["terraform/envs/preview"]);
    expect(affectedRoots(["terraform/modules/edge/rules.tf"])).toEqual(["terraform/envs/production", "terraform/envs/staging"]);
    expect(affectedRoots(["config/limits.json"])).toEqual(["terraform/envs/production", "terraform/envs/staging"]);
  });

  it("plans nothing for changes Terraform does not read", () => {
    expect(affectedRoots(["README.md", "workers/index.ts", "terraform/README.md"])).toEqual([]);
  });
});

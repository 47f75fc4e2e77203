# Modules name their provider; the version is pinned once per root (terraform/envs/*/versions.tf).
terraform {
  required_providers {
    cloudflare = {
      source = "cloudflare/cloudflare"
    }
  }
}

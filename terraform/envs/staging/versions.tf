# State lives in R2 through the S3 backend; the endpoint and credentials come from the environment
# (AWS_ENDPOINT_URL_S3=https://<account_id>.r2.cloudflarestorage.com, AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY of an R2 API token), never from a file. use_lockfile takes the state lock as
# a conditional write of <key>.tflock (Terraform 1.10+); docs/operations/deploy.md.
terraform {
  required_version = ">= 1.10"
  required_providers {
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "5.12.0"
    }
  }
  backend "s3" {
    bucket                      = "hph-terraform-state"
    key                         = "staging/terraform.tfstate"
    region                      = "auto"
    use_lockfile                = true
    use_path_style              = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_s3_checksum            = true
  }
}

# CLOUDFLARE_API_TOKEN from the environment (CI secret store); never in a file.
provider "cloudflare" {}

# R2 buckets of one environment. Only database backups: the raw vendor documents the design keeps
# live in Postgres beside the rows made from them (docs/security.md, data inventory), not in R2.
variable "account_id" {
  type        = string
  description = "Cloudflare account that owns the buckets."
}

variable "script_name" {
  type        = string
  description = "Worker script of the environment; bucket names start with it."
}

variable "location" {
  type        = string
  description = "R2 location hint (wnam, enam, weur, eeur, apac, oc): near the Neon region."
}

variable "backup_retention_days" {
  type        = number
  description = "Days a backup object is kept before R2 deletes it."
}

resource "cloudflare_r2_bucket" "backups" {
  account_id = var.account_id
  name       = "${var.script_name}-backups"
  location   = var.location
}

resource "cloudflare_r2_bucket_lifecycle" "backups" {
  account_id  = var.account_id
  bucket_name = cloudflare_r2_bucket.backups.name
  rules = [{
    id         = "expire-backups"
    enabled    = true
    conditions = { prefix = "" }
    delete_objects_transition = {
      condition = { type = "Age", max_age = var.backup_retention_days * 86400 }
    }
  }]
}

output "backup_bucket" {
  description = "Bucket that receives database backups."
  value       = cloudflare_r2_bucket.backups.name
}

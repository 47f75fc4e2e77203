variable "account_id" {
  type        = string
  description = "Cloudflare account that owns the Worker, queues and buckets."
}

variable "zone_id" {
  type        = string
  description = "Zone of var.domain."
}

variable "domain" {
  type        = string
  description = "Apex domain; staging serves api-staging.<domain> and hooks-staging.<domain>."
}

variable "worker_name" {
  type        = string
  default     = "hub"
  description = "Base Worker name; must equal `name` in wrangler.toml (a test checks it)."
}

variable "manage_zone_rulesets" {
  type        = bool
  default     = false
  description = "Set true only when staging has a zone of its own; otherwise the production root owns the shared zone's rulesets."
}

variable "rule_environments" {
  type        = list(string)
  default     = ["staging"]
  description = "Environments served from this zone whose hosts the zone rulesets cover (used when manage_zone_rulesets is true)."
}

variable "r2_location" {
  type        = string
  description = "R2 location hint for the backups bucket (wnam, enam, weur, eeur, apac, oc)."
}

variable "backup_retention_days" {
  type        = number
  default     = 7
  description = "Days R2 keeps a staging database backup."
}

variable "account_id" {
  type        = string
  description = "Cloudflare account that owns the Worker."
}

variable "zone_id" {
  type        = string
  description = "Zone of var.domain; the hosts, firewall and rate-limit rules live in it."
}

variable "domain" {
  type        = string
  description = "Apex domain of the zone, e.g. example.com."
}

variable "environment" {
  type        = string
  description = "Environment whose hosts this call attaches to the Worker: staging or production."
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "script_name" {
  type        = string
  description = "Worker script that serves both hosts (wrangler.toml `name` of the environment)."
}

variable "manage_zone_rulesets" {
  type        = bool
  description = "Whether this root owns the zone's firewall and rate-limit rulesets. Cloudflare keeps one entry-point ruleset per phase and zone, so exactly one root per zone sets this."
}

variable "rule_environments" {
  type        = list(string)
  description = "Environments whose api/hooks hosts the zone rulesets cover (every environment served from this zone)."
  validation {
    condition     = alltrue([for env in var.rule_environments : contains(["staging", "production"], env)])
    error_message = "rule_environments may only hold staging and production."
  }
}

variable "limits" {
  type = object({
    webhook_flood_guard    = object({ requests = number, period_seconds = number })
    api_per_ip             = object({ requests = number, period_seconds = number })
    webhook_body_max_bytes = number
    api_body_max_bytes     = number
  })
  description = "Rate and size limits from config/limits.json, the file the Worker's limits are checked against."
}

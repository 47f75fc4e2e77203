variable "account_id" {
  type        = string
  description = "Cloudflare account whose Zero Trust organisation protects the previews."
}

variable "domain" {
  type        = string
  description = "Apex domain; previews are served on pr-<n>.<domain>."
}

variable "worker_name" {
  type        = string
  default     = "hub"
  description = "Base Worker name; must equal `name` in wrangler.toml (a test checks it)."
}

variable "preview_pull_requests" {
  type        = set(number)
  default     = []
  description = "Open pull requests; the preview workflow passes the list on every open, push and close."
}

variable "allowed_email_domains" {
  type        = list(string)
  default     = []
  description = "Email domains whose people may open previews."
}

variable "allowed_group_ids" {
  type        = list(string)
  default     = []
  description = "Access group ids (for example one wrapping an IdP group) whose members may open previews."
}

variable "access_team_domain" {
  type        = string
  description = "Zero Trust team domain, <team>.cloudflareaccess.com: every preview Worker's ACCESS_TEAM_DOMAIN."
}

variable "session_duration" {
  type        = string
  default     = "24h"
  description = "How long an Access login to the previews lasts."
}

variable "service_token_duration" {
  type        = string
  default     = "8760h"
  description = "Lifetime of the CI smoke-test service token (rotate before it ends)."
}

variable "account_id" {
  type        = string
  description = "Cloudflare account that owns the Worker, queues and Access applications."
}

variable "zone_id" {
  type        = string
  description = "Zone of var.domain."
}

variable "domain" {
  type        = string
  description = "Apex domain; the API is served on api.<domain>, previews on pr-<n>.<domain>."
}

variable "worker_name" {
  type        = string
  default     = "hub"
  description = "Base Worker name; must equal `name` in wrangler.toml (a test checks it)."
}

variable "environment" {
  type        = string
  description = "staging or production: the wrangler environment this stack deploys."
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "preview_pull_requests" {
  type        = set(number)
  default     = []
  description = "Open pull requests that get a preview Worker hub-pr-<n> on pr-<n>.<domain>, behind Access."
}

variable "access_allowed_email_domain" {
  type        = string
  description = "Who may open preview environments (Access allow policy)."
}

variable "webhook_rate_limit_per_minute" {
  type    = number
  default = 600
}

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
  description = "Base Worker name (wrangler.toml `name`); previews are <worker_name>-pr-<n>."
}

variable "preview_pull_requests" {
  type        = set(number)
  description = "Open pull requests with a preview; each adds pr-<n>.<domain> to the one Access application."
}

variable "allowed_email_domains" {
  type        = list(string)
  description = "Email domains whose people may open previews (Access allow policy)."
}

variable "allowed_group_ids" {
  type        = list(string)
  description = "Access group ids (e.g. wrapping an IdP group) whose members may open previews."
}

variable "session_duration" {
  type        = string
  description = "How long an Access login to the previews lasts, e.g. 24h."
}

variable "service_token_duration" {
  type        = string
  description = "Lifetime of the CI smoke-test service token, e.g. 8760h; rotate before it ends (docs/operations/runbook.md)."
}

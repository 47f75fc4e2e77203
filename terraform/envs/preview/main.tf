# Previews: the Access application in front of every pr-<n> host. Each preview's Worker, queues,
# custom domain and Neon branch are made and removed by scripts/preview.ts (one Worker per pull
# request: Workers with Durable Objects get no version preview URLs).
module "access" {
  source                 = "../../modules/access"
  account_id             = var.account_id
  domain                 = var.domain
  worker_name            = var.worker_name
  preview_pull_requests  = var.preview_pull_requests
  allowed_email_domains  = var.allowed_email_domains
  allowed_group_ids      = var.allowed_group_ids
  session_duration       = var.session_duration
  service_token_duration = var.service_token_duration
}

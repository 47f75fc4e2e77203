# Every resource name derives from the Worker name here, following the same rule as wrangler.toml:
# `<worker>-<environment>` for the script and `<script>-<role>` for its queues (test/unit/terraform.test.ts
# keeps the two in agreement).
locals {
  script = "${var.worker_name}-${var.environment}"
  queue_roles = ["ingest", "insights", "ingest-dlq", "insights-dlq"]
  queues = { for role in local.queue_roles : role => "${local.script}-${role}" }

  api_host = var.environment == "production" ? "api.${var.domain}" : "api-${var.environment}.${var.domain}"

  previews = {
    for pr in var.preview_pull_requests : tostring(pr) => {
      script = "${var.worker_name}-pr-${pr}"
      host   = "pr-${pr}.${var.domain}"
      queues = { for role in local.queue_roles : role => "${var.worker_name}-pr-${pr}-${role}" }
    }
  }
}

# production: the Worker's hosts (and, when this root owns them, the zone's rules), its queues and buckets.
# The Worker itself ships with `wrangler deploy --env production`, after this root is applied.
locals {
  environment = "production"
  script      = "${var.worker_name}-${local.environment}"
  limits      = jsondecode(file("${path.root}/../../../config/limits.json"))
}

module "edge" {
  source               = "../../modules/edge"
  account_id           = var.account_id
  zone_id              = var.zone_id
  domain               = var.domain
  environment          = local.environment
  script_name          = local.script
  manage_zone_rulesets = var.manage_zone_rulesets
  rule_environments    = var.rule_environments
  limits               = local.limits
}

module "queues" {
  source      = "../../modules/queues"
  account_id  = var.account_id
  script_name = local.script
}

module "storage" {
  source                = "../../modules/storage"
  account_id            = var.account_id
  script_name           = local.script
  location              = var.r2_location
  backup_retention_days = var.backup_retention_days
}

# CSPM with remediation in any number of accounts of one provider: the module called with count.
terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "external_id" {
  description = "External ID shown in the Qualys connector"
  type        = string
  sensitive   = true
}

variable "enabled" {
  description = "Whether this account is connected to Qualys"
  type        = bool
  default     = true
}

module "qualys" {
  source = "../../../modules/qualys-connector-role"
  count  = var.enabled ? 1 : 0

  external_id  = var.external_id
  capabilities = ["cspm", "remediation"]
  role_name    = "QualysTotalCloudRole"
  tags         = { owner = "platform-team" }
}

output "role_arn" {
  description = "Enter this role ARN in the Qualys connector"
  value       = one(module.qualys[*].role_arn)
}

# With role_arn, what `npm run register` reads from `terraform output -json`.
output "external_id" {
  description = "External ID the role requires, as entered in the Qualys connector"
  value       = var.enabled ? var.external_id : null
  sensitive   = true
}

output "trusted_principal" {
  description = "Principal Qualys assumes the role from"
  value       = one(module.qualys[*].trusted_principal)
}

output "capabilities" {
  description = "Capabilities of the role, from which registration chooses the connector apps"
  value       = one(module.qualys[*].capabilities)
}

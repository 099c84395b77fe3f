# GovCloud: the trusted account is the govAccountId Qualys returns for your subscription (or your base account).
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
  region = "us-gov-west-1"
}

variable "external_id" {
  description = "External ID shown in the Qualys connector"
  type        = string
  sensitive   = true
}

variable "qualys_account_id" {
  description = "The govAccountId of your Qualys subscription, or your base account"
  type        = string
}

module "qualys" {
  source = "../../../modules/qualys-connector-role"

  external_id        = var.external_id
  trusted_account_id = var.qualys_account_id
  capabilities       = ["cspm"]
}

output "role_arn" {
  description = "Enter this role ARN in the Qualys connector"
  value       = module.qualys.role_arn
}

# With role_arn, what `npm run register` reads from `terraform output -json`.
output "external_id" {
  description = "External ID the role requires, as entered in the Qualys connector"
  value       = var.external_id
  sensitive   = true
}

output "trusted_principal" {
  description = "Principal Qualys assumes the role from"
  value       = module.qualys.trusted_principal
}

output "capabilities" {
  description = "Capabilities of the role, from which registration chooses the connector apps"
  value       = module.qualys.capabilities
}

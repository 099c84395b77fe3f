# An organization: the management account's role, and member roles in two OUs from a StackSet that a
# delegated administrator account owns.
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
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
}

provider "aws" {
  alias               = "stackset_admin"
  region              = "us-east-1"
  allowed_account_ids = ["222222222222"]
  assume_role {
    role_arn = "arn:aws:iam::222222222222:role/StackSetAdministrator"
  }
}

variable "external_id" {
  description = "External ID shown in the Qualys organization connector"
  type        = string
  sensitive   = true
}

module "qualys_organization" {
  source = "../../../modules/qualys-organization"
  providers = {
    aws          = aws
    aws.stackset = aws.stackset_admin
  }

  external_id             = var.external_id
  capabilities            = ["cspm"]
  organizational_unit_ids = ["ou-ab12-11111111", "ou-ab12-22222222"]
  excluded_account_ids    = ["333333333333"]
  call_as                 = "DELEGATED_ADMIN"
}

output "management_role_arn" {
  description = "Enter this role ARN in the Qualys organization connector"
  value       = module.qualys_organization.management_role_arn
}

output "member_role_name" {
  description = "Enter this role name in the Qualys organization connector"
  value       = module.qualys_organization.member_role_name
}

# With management_role_arn, what `npm run register -- --organization-members` reads from `terraform output -json`.
output "member_role_arns" {
  description = "Member account ID to role ARN"
  value       = module.qualys_organization.member_role_arns
}

output "external_id" {
  description = "External ID the roles require, as entered in the Qualys connector"
  value       = var.external_id
  sensitive   = true
}

output "trusted_principal" {
  description = "Principal Qualys assumes the roles from"
  value       = module.qualys_organization.trusted_principal
}

output "capabilities" {
  description = "Capabilities of the member roles, from which registration chooses the connector apps"
  value       = module.qualys_organization.capabilities
}

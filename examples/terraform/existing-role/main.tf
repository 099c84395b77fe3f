# Qualys CSPM permissions added to a role you already manage (its trust and name are yours).
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
  region = "us-east-1"
}

resource "aws_iam_role" "security_scanner" {
  name = "SecurityScanner"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::805950163170:root" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "EU2-2792719" } }
    }]
  })
}

module "qualys_cspm" {
  source = "../../../modules/qualys-permissions-cspm"

  role_name = aws_iam_role.security_scanner.name
}

output "qualys_policy_arns" {
  description = "List these in the role's exclusive attachment resource, if it has one"
  value       = module.qualys_cspm.policy_arns
}

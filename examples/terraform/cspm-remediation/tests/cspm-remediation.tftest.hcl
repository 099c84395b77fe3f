mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  external_id = "EU2-2792719"
}

run "cspm_with_remediation" {
  command = plan

  assert {
    condition     = keys(module.qualys[0].policy_documents) == ["AssetView", "Cspm", "Remediation"]
    error_message = "CSPM with remediation should make the AssetView, Cspm and Remediation policies"
  }
  assert {
    condition     = toset(jsondecode(module.qualys[0].policy_documents["Remediation"]).Statement[0].Action) == toset(["ec2:AuthorizeSecurityGroupIngress", "ec2:DisassociateIamInstanceProfile", "ec2:RevokeSecurityGroupIngress", "ec2:StopInstances", "rds:ModifyDBInstance", "s3:PutBucketPublicAccessBlock"])
    error_message = "remediation should grant exactly its six write actions"
  }
  assert {
    condition     = contains(flatten([for s in jsondecode(module.qualys[0].policy_documents["Cspm"]).Statement : s.Action]), "backup:DescribeBackupVault")
    error_message = "the CSPM policy lacks an action SecurityAudit does not cover"
  }
  assert {
    condition     = !strcontains(module.qualys[0].policy_documents["Cspm"], "ssm:GetParameter")
    error_message = "the CSPM policy must not read parameter values"
  }
  assert {
    condition     = contains(module.qualys[0].policy_arns, "arn:aws:iam::aws:policy/SecurityAudit")
    error_message = "CSPM attaches SecurityAudit"
  }
}

run "not_enabled_makes_nothing" {
  command = plan
  variables {
    enabled = false
  }
  assert {
    condition     = length(module.qualys) == 0 && output.role_arn == null
    error_message = "count = 0 should make no role"
  }
}

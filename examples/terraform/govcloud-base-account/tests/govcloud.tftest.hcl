mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws-us-gov" }
  }
}

variables {
  external_id       = "US4-144359-1646867770137"
  qualys_account_id = "210987654321"
}

run "govcloud_arns_and_the_given_account" {
  command = plan

  assert {
    condition     = module.qualys.trusted_principal == "arn:aws-us-gov:iam::210987654321:root"
    error_message = "the role must trust the given GovCloud account"
  }
  assert {
    condition     = contains(module.qualys.policy_arns, "arn:aws-us-gov:iam::aws:policy/SecurityAudit")
    error_message = "SecurityAudit must be attached with the GovCloud partition"
  }
  assert {
    condition     = !strcontains(join("", values(module.qualys.policy_documents)), "arn:aws:")
    error_message = "a document names the commercial partition"
  }
}

run "module_requires_the_trusted_account_outside_aws" {
  command = plan
  module {
    source = "../../../modules/qualys-connector-role"
  }
  variables {
    trusted_account_id = null
  }
  expect_failures = [aws_iam_role.this]
}

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

run "cspm_policies_attach_to_the_given_role" {
  command = plan

  assert {
    condition     = keys(module.qualys_cspm.policy_documents) == ["Cspm"]
    error_message = "the CSPM module should make one Cspm policy"
  }
  assert {
    condition     = jsondecode(module.qualys_cspm.policy_documents["Cspm"]).Version == "2012-10-17"
    error_message = "the CSPM document is not an IAM policy"
  }
}

run "module_rejects_a_bad_role_name" {
  command = plan
  module {
    source = "../../../modules/qualys-permissions-cspm"
  }
  variables {
    role_name = "Security Scanner"
  }
  expect_failures = [var.role_name]
}

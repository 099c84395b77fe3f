mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  external_id = "EU2-2792719"
}

run "trusts_qualys_with_the_external_id_and_grants_assetview" {
  command = plan

  assert {
    condition     = module.qualys.trusted_principal == "arn:aws:iam::805950163170:root"
    error_message = "the role does not trust the Qualys global account"
  }
  assert {
    condition     = jsondecode(module.qualys.assume_role_policy).Statement[0].Principal.AWS == "arn:aws:iam::805950163170:root"
    error_message = "the trust policy names another principal"
  }
  assert {
    condition     = jsondecode(module.qualys.assume_role_policy).Statement[0].Condition.StringEquals["sts:ExternalId"] == ["EU2-2792719"]
    error_message = "the trust policy does not require exactly the external ID"
  }
  assert {
    condition     = keys(module.qualys.policy_documents) == ["AssetView"]
    error_message = "AssetView alone should make one policy"
  }
  assert {
    condition     = toset(jsondecode(module.qualys.policy_documents["AssetView"]).Statement[0].Action) == toset(["ec2:DescribeAddresses", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeRegions", "ec2:DescribeVpcs"])
    error_message = "the AssetView actions are not the five of the Qualys procedure"
  }
}

run "module_rejects_an_external_id_with_spaces" {
  command = plan
  module {
    source = "../../../modules/qualys-connector-role"
  }
  variables {
    external_id = "EU2 2792719"
  }
  expect_failures = [var.external_id]
}

run "module_rejects_an_unknown_capability" {
  command = plan
  module {
    source = "../../../modules/qualys-connector-role"
  }
  variables {
    capabilities = ["inventory"]
  }
  expect_failures = [var.capabilities]
}

run "module_rejects_remediation_without_cspm" {
  command = plan
  module {
    source = "../../../modules/qualys-connector-role"
  }
  variables {
    capabilities = ["remediation"]
  }
  expect_failures = [var.capabilities]
}

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

mock_provider "aws" {
  alias = "stackset_admin"
}

variables {
  external_id = "EU2-2792719"
}

run "management_role_and_member_stack_set" {
  command = plan

  assert {
    condition     = contains(keys(jsondecode(module.qualys_organization.member_template).Resources), "QualysConnectorRole")
    error_message = "the member template has no role"
  }
  assert {
    condition     = !contains(keys(jsondecode(module.qualys_organization.member_template).Resources), "QualysPolicyOrganization")
    error_message = "member roles must not get the Organization capability"
  }
  assert {
    condition     = jsondecode(module.qualys_organization.member_template).Conditions.CreateQualysRole["Fn::Not"][0]["Fn::Equals"][1] == "333333333333"
    error_message = "the excluded account does not decide the role's condition"
  }
  assert {
    condition     = module.qualys_organization.member_role_name == "QualysCVRole"
    error_message = "the member role name is not the default"
  }
}

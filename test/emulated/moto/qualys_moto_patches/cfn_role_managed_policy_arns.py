"""An AWS::IAM::Role's ManagedPolicyArns are attached to it.

AWS: CloudFormation attaches every policy in `ManagedPolicyArns` when it creates the role, and detaches them when
it deletes it. Unpatched moto ignores the property: the role of a member stack has no managed policy, and a role
whose policies were attached otherwise cannot be deleted with its stack."""

from moto.iam.models import Role, iam_backends
from moto.utilities.utils import get_partition


def apply() -> None:
    create = Role.create_from_cloudformation_json.__func__
    delete = Role.delete_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        role = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = iam_backends[account_id][get_partition(region_name)]
        for arn in cloudformation_json.get("Properties", {}).get("ManagedPolicyArns", []) or []:
            backend.attach_role_policy(arn, role.name)
        return role

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if role.name == resource_name:
                for arn in list(role.managed_policies):
                    backend.detach_role_policy(arn, role.name)
        return delete(cls, resource_name, cloudformation_json, account_id, region_name)

    Role.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Role.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)

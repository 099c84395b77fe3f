"""Deleting a stack deletes its AWS::IAM::ManagedPolicy resources.

AWS: CloudFormation deletes a customer managed policy it created when the stack (or the resource) is deleted,
detaching it first. Unpatched moto has no delete for this type and leaves the policy in the account, so a later
stack that creates a policy of the same name fails with "already exists"."""

from moto.iam.models import ManagedPolicy, iam_backends
from moto.utilities.utils import get_partition


def apply() -> None:
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = iam_backends[account_id][get_partition(region_name)]
        policy = backend.managed_policies.get(resource_name)
        if policy is None:
            return
        for role in list(backend.roles.values()):
            if policy.arn in role.managed_policies:
                backend.detach_role_policy(policy.arn, role.name)
        backend.delete_policy(policy.arn)

    ManagedPolicy.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)

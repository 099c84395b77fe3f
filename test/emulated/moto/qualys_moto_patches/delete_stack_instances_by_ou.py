"""DeleteStackInstances reaches the accounts of OU targets, and RetainStacks keeps the stacks.

AWS: for a service-managed stack set, DeleteStackInstances with DeploymentTargets removes the instances of every
account in those OUs (and the OUs below them); with RetainStacks the stacks are taken out of the stack set and kept,
resources included, as ordinary stacks of each account. Unpatched moto reads only Accounts, so an OU-targeted
delete removes nothing (the instances stay and the stack set cannot be deleted), and it ignores RetainStacks,
deleting every stack's resources."""

from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.moto_api._internal import mock_random

from ._common import accounts_below, organization_of


def apply() -> None:
    def delete_stack_instances(self):
        stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
        accounts = set(self._get_param("Accounts", []) or [])
        regions = set(self._get_param("Regions", []) or [])
        targets = (self._get_param("DeploymentTargets") or {}).get("OrganizationalUnitIds", []) or []
        retain = bool(self._get_param("RetainStacks", False))
        if targets:
            org = organization_of(stack_set.instances.account_id, stack_set.instances.partition)
            accounts |= set(accounts_below(org, targets)) if org else set()
        chosen = [i for i in stack_set.instances.stack_instances if i.account_id in accounts and i.region_name in regions]
        for instance in chosen:
            if retain:
                # The stack leaves the stack set and stays in the account as a stack of its own.
                backend = cloudformation_backends[instance.account_id][instance.region_name]
                backend.stacks[instance.stack.stack_id] = instance.stack
            else:
                instance.delete()
            stack_set.instances.stack_instances.remove(instance)
        operation_id = str(mock_random.uuid4())
        stack_set._create_operation(
            operation_id=operation_id,
            action="DELETE",
            status="SUCCEEDED",
            accounts=sorted({i.account_id for i in chosen}),
            regions=sorted(regions),
        )
        return ActionResult({"OperationId": operation_id})

    CloudFormationResponse.delete_stack_instances = delete_stack_instances

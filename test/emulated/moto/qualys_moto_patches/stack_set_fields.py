"""A stack set keeps the AutoDeployment, ManagedExecution and Capabilities it is given.

AWS: CreateStackSet and UpdateStackSet store these settings and DescribeStackSet returns them. Unpatched moto drops
them: DescribeStackSet has no AutoDeployment and no Capabilities, and ManagedExecution is always inactive, so the
AWS provider plans a change to `managed_execution` (and, were it not ignored, a replacement for `auto_deployment`)
on every plan."""

from moto.cloudformation.responses import CloudFormationResponse

_FIELDS = ("AutoDeployment", "ManagedExecution", "Capabilities")


def _keep(response, name: str) -> None:
    stack_set = response.cloudformation_backend.describe_stack_set(name)
    for field in _FIELDS:
        value = response._get_param(field)
        if value is not None:
            setattr(stack_set, field, value)
    if getattr(stack_set, "ManagedExecution", None) is None:
        stack_set.ManagedExecution = {"Active": False}


def apply() -> None:
    create = CloudFormationResponse.create_stack_set
    update = CloudFormationResponse.update_stack_set

    def create_stack_set(self):
        result = create(self)
        _keep(self, self._get_param("StackSetName"))
        return result

    def update_stack_set(self):
        result = update(self)
        _keep(self, self._get_param("StackSetName"))
        return result

    CloudFormationResponse.create_stack_set = create_stack_set
    CloudFormationResponse.update_stack_set = update_stack_set

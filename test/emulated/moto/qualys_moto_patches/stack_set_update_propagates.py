"""UpdateStackSet brings every stack instance, and every later one, to the new template and parameters.

AWS: an UpdateStackSet operation updates the stack of each instance to the new template and parameter values (an
instance's own overrides still win), and instances created afterwards use them too. Unpatched moto stores the new
template on the stack set only: existing member stacks keep the old template and parameters, and new instances are
created from the template the stack set was created with.

The patched update replaces each member stack's resources with those of the new template: the end state of every
resource is the one CloudFormation's update gives, but identities CloudFormation keeps across an update in place
(such as a role's unique ID) are new. Which changes CloudFormation would refuse is not emulated here; the resource
specification check (checkTemplateChange) is the authority on that. Service-managed stack sets only."""

from moto.cloudformation.models import Stack, StackSet

from ._common import parameters_dict


def redeploy(instance, template, stack_set_parameters) -> None:
    """Replaces a service-managed instance's stack with one of `template`, keeping its stack ID."""
    values = dict(stack_set_parameters or {})
    values.update(parameters_dict(getattr(instance, "parameter_overrides", [])))
    stack_id = instance.stack.stack_id
    instance.stack.delete()
    instance.template = template
    instance.stack = Stack(
        stack_id=stack_id,
        name=instance.name,
        template=template,
        parameters=values,
        account_id=instance.account_id,
        region_name=instance.region_name,
        notification_arns=[],
        tags=None,
        role_arn=None,
        cross_stack_resources={},
        enable_termination_protection=False,
    )
    instance.stack.create_resources()


def apply() -> None:
    update = StackSet.update

    def patched_update(self, template, description, parameters, tags, admin_role, execution_role, accounts, regions, operation_id):
        operation = update(
            self, template, description, parameters, tags, admin_role, execution_role, accounts, regions, operation_id
        )
        self.instances.template = self.template
        self.instances.parameters = self.parameters
        if self.permission_model == "SERVICE_MANAGED":
            for instance in self.instances.stack_instances:
                redeploy(instance, self.template, self.parameters)
        return operation

    StackSet.update = patched_update

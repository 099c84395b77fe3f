"""An OU or root target reaches every account below it, however deep, except the management account.

AWS: a service-managed stack instance for an OU (or the root) deploys to every account in that OU and in all OUs
below it, and never to the organization's management account. Unpatched moto goes one level down only (an account
two OUs below the target gets no stack), and a root target deploys to the management account too.
The patched creation also records on each instance the target it came from (what AWS reports as its
OrganizationalUnitId, see stack_instance_summaries) and the parameter overrides it was given (which a propagated
update keeps, see stack_set_update_propagates)."""

from moto.cloudformation.models import StackInstance, StackInstances

from ._common import accounts_below, organization_of


def apply() -> None:
    def create_instances(self, accounts, regions, parameters, deployment_targets, permission_model):
        overrides = list(parameters or []) if isinstance(parameters, list) else []
        values = parameters if overrides else self.parameters
        targets = []
        org = organization_of(self.account_id, self.partition)
        for region in regions:
            targets += [(region, account, None) for account in accounts]
            for target in (deployment_targets or {}).get("OrganizationalUnitIds", []):
                below = accounts_below(org, [target]) if org else []
                targets += [(region, account, target) for account in below if account != org.org.master_account_id]
        created = []
        for region, account, target in targets:
            instance = StackInstance(
                account_id=account,
                region_name=region,
                stackset_id=self.stackset_id,
                stack_name=self.stack_name,
                name=self.stackset_name,
                template=self.template,
                parameters=_merged(self.parameters, overrides) if overrides else values,
                permission_model=permission_model,
            )
            instance.organizational_unit_id = target
            instance.parameter_overrides = overrides
            created.append(instance)
        self.stack_instances += created
        return [i.to_dict() for i in created]

    StackInstances.create_instances = create_instances


def _merged(stack_set_parameters, overrides):
    merged = dict(stack_set_parameters or {})
    merged.update({p["ParameterKey"]: p["ParameterValue"] for p in overrides if "ParameterValue" in p})
    return merged

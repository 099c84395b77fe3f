"""Helpers the patches share."""

from moto.organizations.models import organizations_backends

def organization_of(account_id: str, partition: str):
    """The organizations backend that holds the organization `account_id` belongs to (or manages), or None."""
    backend = organizations_backends[account_id][partition]
    if backend.org is not None:
        return backend
    master = organizations_backends.master_accounts.get(account_id)
    if master is None:
        return None
    return organizations_backends[master[0]][master[1]]


def accounts_below(org, target_ids) -> list:
    """Account IDs in the given OUs or roots and in every OU nested below them, in the organization's order."""
    wanted = set(target_ids)
    grew = True
    while grew:
        children = {ou.id for ou in org.ou if getattr(ou, "parent_id", None) in wanted}
        grew = not children <= wanted
        wanted |= children
    return [account.id for account in org.accounts if account.parent_id in wanted]


def parameters_dict(parameters) -> dict:
    """CloudFormation parameters as a dict, from either moto's dict or the API's list of key-value pairs."""
    if isinstance(parameters, dict):
        return dict(parameters)
    return {p["ParameterKey"]: p["ParameterValue"] for p in parameters or [] if "ParameterValue" in p}

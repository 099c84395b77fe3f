"""CallAs DELEGATED_ADMIN reaches the management account's stack sets, from a registered administrator only.

AWS: a service-managed stack set always lives in the organization's management account, also when a delegated
administrator creates it; the administrator (an account registered for
member.org.stacksets.cloudformation.amazonaws.com) creates, reads, updates and deletes it with CallAs
DELEGATED_ADMIN, and any other account is refused. Unpatched moto refuses to register an administrator for that
service principal and ignores CallAs: a delegated administrator's stack set lands in its own account, where no
organization (and so no OU target) is found."""

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.organizations.models import FakeDelegatedAdministrator
from moto.utilities.utils import get_partition

from ._common import organization_of

STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"


def apply() -> None:
    if STACKSETS_PRINCIPAL not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(STACKSETS_PRINCIPAL)

    def cloudformation_backend(self):
        account = self.current_account
        if self._get_param("CallAs") == "DELEGATED_ADMIN":
            org = organization_of(account, get_partition(self.region))
            registered = org is not None and any(
                admin.account.id == account and STACKSETS_PRINCIPAL in admin.services for admin in org.admins
            )
            if not registered:
                raise ValidationError(message="Account used is not a delegated administrator")
            account = org.org.master_account_id
        return cloudformation_backends[account][self.region]

    CloudFormationResponse.cloudformation_backend = property(cloudformation_backend)

"""UpdateRole changes only the fields it is given.

AWS: UpdateRole sets the role's Description and MaxSessionDuration when the call has them and leaves them as they
are otherwise; the AWS provider sends only MaxSessionDuration when the session length changes. Unpatched moto clears
the description when the call has none and resets the session length to 3600 when it has none, so a change of the
session length loses the description (and the next plan puts it back)."""

from moto.iam.responses import IamResponse
from moto.core.responses import EmptyResult


def apply() -> None:
    def update_role(self):
        role = self.backend.get_role(self._get_param("RoleName"))
        description = self._get_param("Description")
        duration = self._get_param("MaxSessionDuration")
        self.backend.update_role(
            role.name,
            role.description if description is None else description,
            role.max_session_duration if duration is None else duration,
        )
        return EmptyResult()

    IamResponse.update_role = update_role

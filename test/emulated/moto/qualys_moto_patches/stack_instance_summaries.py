"""Stack instances report the OU they were deployed for and keep one stack ID.

AWS: ListStackInstances and DescribeStackInstance give each instance the OrganizationalUnitId of its deployment
target and the ID of its stack, the same on every call. Unpatched moto gives no OrganizationalUnitId (the AWS
provider then finds no instance for an OU target, so its `stack_instance_summaries` stay empty) and a new random
stack ID on every call."""

from moto.cloudformation.models import StackInstance


def apply() -> None:
    to_dict = StackInstance.to_dict

    def patched_to_dict(self):
        summary = to_dict(self)
        summary["StackId"] = self.stack.stack_id
        target = getattr(self, "organizational_unit_id", None)
        if target:
            summary["OrganizationalUnitId"] = target
        return summary

    StackInstance.to_dict = patched_to_dict

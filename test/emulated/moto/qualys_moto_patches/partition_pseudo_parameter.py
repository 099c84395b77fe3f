"""AWS::Partition is the partition of the stack's region.

AWS: in a stack in us-gov-west-1 `{"Ref": "AWS::Partition"}` is `aws-us-gov`, in cn-north-1 `aws-cn` (and
AWS::URLSuffix `amazonaws.com.cn` there). Unpatched moto always gives `aws` and `amazonaws.com`, so a GovCloud
template's `arn:${AWS::Partition}:iam::aws:policy/SecurityAudit` names a policy that partition does not have."""

from moto.cloudformation.parsing import ResourceMap
from moto.utilities.utils import get_partition


def apply() -> None:
    init = ResourceMap.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        partition = get_partition(self._region_name)
        self._parsed_resources["AWS::Partition"] = partition
        self._parsed_resources["AWS::URLSuffix"] = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"

    ResourceMap.__init__ = __init__

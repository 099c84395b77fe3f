"""Small, named corrections of moto where it differs from AWS in what the emulated test tier relies on.

Each module of this package is one patch: its docstring says what AWS does and what unpatched moto does, and its
`apply()` changes moto's behaviour to AWS's. A test in test/emulated/moto-gaps.test.ts shows each gap in unpatched
moto, so a moto release that closes one is noticed, and the patched behaviour."""

import importlib
import os
import pkgutil

# In the order they are applied; later patches may build on earlier ones (the shared helpers live in _common).
PATCHES = [
    "no_value_removes",
    "partition_pseudo_parameter",
    "iam_update_role_keeps_unset_fields",
    "cfn_role_managed_policy_arns",
    "cfn_managed_policy_delete",
    "stack_set_fields",
    "organizational_unit_targets",
    "stack_instance_summaries",
    "stack_set_update_propagates",
    "delete_stack_instances_by_ou",
    "delegated_admin_call_as",
]


def _check_registry() -> None:
    here = os.path.dirname(__file__)
    found = sorted(m.name for m in pkgutil.iter_modules([here]) if not m.name.startswith("_"))
    if found != sorted(PATCHES):
        raise RuntimeError(f"patch modules {found} differ from the registry {sorted(PATCHES)}")


def apply_from_environment() -> list:
    _check_registry()
    wanted = os.environ.get("QUALYS_MOTO_PATCHES", "none")
    names = PATCHES if wanted == "all" else [n for n in wanted.split(",") if n]
    unknown = [n for n in names if n not in PATCHES]
    if unknown:
        raise RuntimeError(f"unknown moto patches: {', '.join(unknown)}; known: {', '.join(PATCHES)}")
    for name in PATCHES:
        if name in names:
            importlib.import_module(f"{__name__}.{name}").apply()
    return names

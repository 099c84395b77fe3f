"""AWS::NoValue removes the list element it stands for.

AWS: `{"Ref": "AWS::NoValue"}` (for example the false branch of an `Fn::If` in a list) removes the element, so a
list of five optional external IDs with two given becomes a list of two. Unpatched moto leaves `null` in the list,
which ends up in the document it stores (a trust policy condition with `[..., null]`)."""

from moto.cloudformation import parsing


def apply() -> None:
    original = parsing.clean_json

    def clean_json(resource_json, resources_map):
        cleaned = original(resource_json, resources_map)
        if isinstance(resource_json, list) and isinstance(cleaned, list):
            return [value for value in cleaned if value is not None]
        return cleaned

    # clean_json calls itself through the module's global name, so nested lists are cleaned too.
    parsing.clean_json = clean_json

"""Loaded by Python at start-up because the emulated test tier puts this folder on PYTHONPATH of the moto_server
it starts. Applies the patches that QUALYS_MOTO_PATCHES names ("all", "none", or names separated by commas) and
then hands over to any other sitecustomize module the interpreter would have loaded."""

import importlib.util
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))

if os.environ.get("QUALYS_MOTO_PATCHES", "none") != "none":
    sys.path.insert(0, _here)
    from qualys_moto_patches import apply_from_environment

    apply_from_environment()

# Another sitecustomize further down the path (a distribution's own) still runs.
for _entry in sys.path:
    if os.path.abspath(_entry or ".") == _here:
        continue
    _candidate = os.path.join(_entry, "sitecustomize.py")
    if os.path.isfile(_candidate):
        _spec = importlib.util.spec_from_file_location("_next_sitecustomize", _candidate)
        if _spec and _spec.loader:
            _spec.loader.exec_module(importlib.util.module_from_spec(_spec))
        break

"""The package facades (names imported on first use) give the same object whatever was
imported before: a name never equals a submodule's name, or importing that submodule
would replace the facade's name with the module (``'module' object is not callable``,
depending on test order: abc_costing.engine.sensitivity once did)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

FACADES = ("abc_costing", "abc_costing.engine", "abc_costing.formats", "abc_costing.workflows",
           "abc_costing.simulation", "abc_costing.model", "abc_costing.advisor", "abc_costing.store")


@pytest.mark.parametrize("facade", FACADES)
def test_no_facade_name_is_also_a_submodule(facade):
    package = importlib.import_module(facade)
    submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert not set(package.__all__) & submodules


def test_a_facade_name_is_the_function_after_its_module_is_imported_directly():
    # a fresh interpreter: the submodule first, then the facade's name
    code = ("import abc_costing.engine.sensitivities\n"
            "from abc_costing.engine import sensitivity\n"
            "assert callable(sensitivity) and sensitivity.__name__ == 'sensitivity'\n")
    subprocess.run([sys.executable, "-c", code], check=True)

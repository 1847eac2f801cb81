"""Shared fixtures: small models written inline as YAML, as a user would write them."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from abc_costing.formats import parse_model_text
from abc_costing.i18n import LANGUAGE_ENV
from abc_costing.model import ProcessModel

# The tests read English texts; a machine whose locale is Russian would otherwise
# print Russian headers (tests of the Russian texts choose them explicitly).
os.environ[LANGUAGE_ENV] = "en"
# The CLI's tables are read as a pipe gets them (200 columns): a $COLUMNS would wrap them.
# pytest-xdist's workers run with COLUMNS=80 and LINES=24 that the serial runner never has.
for _size in ("COLUMNS", "LINES"):
    os.environ.pop(_size, None)

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "process_models"
#: The shipped library's resource catalogue, for tests that read a shipped model's text.
CATALOGUE_FILE = LIBRARY / "resources.yaml"


def shipped_catalogue():
    """The shipped catalogue as the reader loads it (read afresh: tests may change files)."""
    from abc_costing.formats.catalogue import read_catalogue

    loaded, problems = read_catalogue(CATALOGUE_FILE, name="resources.yaml")
    assert loaded is not None and problems == [], problems
    return loaded

HEADER = """\
format: abc-costing/1
process: test
variant: {variant}
currency: RUB
"""


def model_text(body: str, *, variant: str = "v") -> str:
    """A full model file: the standard header, then ``body`` (dedented)."""
    return HEADER.format(variant=variant) + textwrap.dedent(body)


def parse(body: str, *, variant: str = "v") -> ProcessModel:
    """Parse an inline model that must be valid (warnings allowed)."""
    model, problems = parse_model_text(model_text(body, variant=variant), source="test.yaml")
    assert model is not None, "\n".join(map(str, problems))
    return model


@pytest.fixture
def write_model(tmp_path):
    """Write an inline model body to a file and return its path."""

    def write(body: str, name: str = "model.yaml", *, variant: str = "v", raw: bool = False):
        path = tmp_path / name
        path.write_text(textwrap.dedent(body) if raw else model_text(body, variant=variant),
                        encoding="utf-8")
        return path

    return write

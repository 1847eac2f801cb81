"""Write the golden costing of every shipped model: `python -m tests.regenerate_golden`.

Run it only after checking by hand that a change in the figures is intended;
the diff of tests/golden/ then shows exactly which figures moved.
"""

from __future__ import annotations

import json

from abc_costing.engine import cost_model
from abc_costing.formats import load_model, model_files
from tests.conftest import LIBRARY

GOLDEN = LIBRARY.parent / "tests" / "golden"


def golden_path(model_path):
    return GOLDEN / model_path.parent.name / f"{model_path.stem}.json"


def main() -> None:
    for path in model_files(LIBRARY):
        target = golden_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        document = cost_model(load_model(path)).as_dict()
        target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(target.relative_to(LIBRARY.parent))


if __name__ == "__main__":
    main()

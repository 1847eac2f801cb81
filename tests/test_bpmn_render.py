"""Exported BPMN opened by bpmn-js, the renderer of bpmn.io and Camunda Modeler.

Each shipped model is exported as `abc-costing export-bpmn` does it, then
imported by bpmn-js's viewer in Debian's headless Chromium. The import must
give no warnings (bpmn-js reports unknown elements, broken references and
diagram elements it cannot place), and the drawing must hold what a reader
needs: a shape for every task, gateway and event, a connection for every
flow, the pool and its lanes with their names, and no two nodes on top of
each other. One drawing per process is kept in ``test-artifacts/``.

bpmn-js is a test tool (pinned in tests/bpmn_js/package-lock.json, installed
by ``make test``), never part of the product.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abc_costing.formats import load_model, model_files
from abc_costing.formats.bpmn import model_to_bpmn
from abc_costing.reports.figures import process_flow_layout
from tests.e2e_support import ARTIFACTS, ROOT, chromium, keep_local, requires_chromium

VIEWER = ROOT / "tests" / "bpmn_js" / "node_modules" / "bpmn-js" / "dist"
#: The shipped models BPMN can carry: the export refuses a model with case classes
#: (tests/test_case_classes.py) rather than write it with a mean that would misprice it.
SHIPPED = [path for path in model_files(ROOT / "process_models")
           if not load_model(path).case_classes]

pytestmark = [
    pytest.mark.e2e,
    requires_chromium,
    pytest.mark.skipif(not (VIEWER / "bpmn-viewer.production.min.js").exists(),
                       reason="bpmn-js is missing: `make test` runs npm ci in tests/bpmn_js"),
]

# Runs in the page: import the XML, then describe what bpmn-js drew.
_IMPORT = """async (xml) => {
  const viewer = new BpmnJS({container: '#canvas'});
  const result = await viewer.importXML(xml);
  viewer.get('canvas').zoom('fit-viewport');
  const shapes = viewer.get('elementRegistry').getAll()
    .filter(e => e.businessObject && e.type !== 'label' && e.type !== 'bpmn:Process')
    .map(e => ({id: e.id, type: e.type, name: e.businessObject.name || null,
                x: e.x, y: e.y, width: e.width, height: e.height,
                waypoints: e.waypoints ? e.waypoints.length : 0}));
  return {warnings: result.warnings.map(w => w.message), shapes: shapes};
}"""


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1800, "height": 900})
        refused = keep_local(context)
        page = context.new_page()
        page.set_content('<html><body style="margin:0"><div id="canvas" '
                         'style="width:1800px;height:900px"></div></body></html>')
        page.add_style_tag(path=str(VIEWER / "assets" / "bpmn-js.css"))
        page.add_script_tag(path=str(VIEWER / "bpmn-viewer.production.min.js"))
        yield page
        assert refused == []  # the viewer needs nothing from outside


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_bpmn_js_draws_the_export_without_warnings(page, path: Path):
    model = load_model(path)
    xml = model_to_bpmn(model, layout=process_flow_layout(model)).decode("utf-8")
    page.evaluate("document.querySelector('#canvas').innerHTML = ''")
    drawn = page.evaluate(_IMPORT, xml)
    assert drawn["warnings"] == []
    by_type: dict[str, list[dict]] = {}
    for shape in drawn["shapes"]:
        by_type.setdefault(shape["type"], []).append(shape)
    kinds = model.node_kinds
    tasks = [s for s in drawn["shapes"] if s["type"].endswith(("Task", "Gateway", "Event"))]
    assert len(tasks) == len(kinds)
    assert sum(1 for k in kinds.values() if k == "activity") == len(by_type["bpmn:UserTask"])
    flows = by_type["bpmn:SequenceFlow"]
    assert len(flows) == len(model.flows) and all(f["waypoints"] >= 2 for f in flows)
    assert len(by_type["bpmn:Participant"]) == 1
    lanes = by_type["bpmn:Lane"]
    assert lanes and all(lane["name"] for lane in lanes)
    # The names a reader needs are on the drawing, Cyrillic included.
    named = {s["name"] for s in tasks if s["name"]}
    assert {a.name for a in model.activities.values() if a.name} <= named
    for i, a in enumerate(tasks):
        for b in tasks[i + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, f"{a['id']} and {b['id']} overlap"
    if path.stem == "as_is":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"bpmn-js-{path.parent.name}.png"))


def test_the_warning_check_has_teeth(page):
    """A drawing that points at a flow the process lacks is reported by bpmn-js."""
    model = load_model(SHIPPED[0])
    xml = model_to_bpmn(model).decode("utf-8")
    broken = xml.replace('bpmnElement="Flow_1"', 'bpmnElement="Flow_missing"', 1)
    assert broken != xml
    page.evaluate("document.querySelector('#canvas').innerHTML = ''")
    drawn = page.evaluate(_IMPORT, broken)
    assert any("Flow_missing" in w for w in drawn["warnings"]), json.dumps(drawn["warnings"])

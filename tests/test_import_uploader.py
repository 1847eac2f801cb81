"""The Import page's file uploaders in Russian (issue 14): Streamlit 1.67 draws the box
("Drag and drop file here", "Limit 50MB per file", "Browse files") in English and cannot
be told otherwise, so a Russian reader gets what the box says in a caption above it."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT
from tests.test_dashboard_language import in_language, library  # noqa: F401 - the fixture

BPMN_HINT = ("Перетащите файл в поле ниже или выберите его кнопкой «Browse files». "
             "Форматы: .bpmn, .xml; не больше 50 МБ.")


def _hints(at) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(("Перетащите", "Drag the"))]


def test_each_uploader_is_explained_in_russian_above_its_box(library):  # noqa: F811
    at = in_language("import_model", "ru")
    assert _hints(at) == [BPMN_HINT]
    box = at.file_uploader(key="import_file")
    assert box.proto.label == "Файл BPMN"
    # the caption says what the box enforces: its types and the server's upload limit
    assert list(box.proto.type) == [".bpmn", ".xml"]
    limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert limit["server"]["maxUploadSize"] == 50
    # the log's uploader, once the reader picks an event log as the source
    at.radio(key="import_kind").set_value("Event log").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _hints(at) == ["Перетащите файл в поле ниже или выберите его кнопкой «Browse "
                          "files». Форматы: .csv, .tsv, .parquet, .xes, .gz; не больше 50 МБ."]
    assert list(at.file_uploader(key="import_log").proto.type) == [
        ".csv", ".tsv", ".parquet", ".xes", ".gz"]
    # no English of the page's own besides the box's button name
    assert not any("Drag" in c.value or "Formats" in c.value for c in at.caption)


def test_an_english_reader_has_the_boxs_own_words_only(library):  # noqa: F811
    at = in_language("import_model", "en")
    assert _hints(at) == []
    assert at.file_uploader(key="import_file").proto.label == "BPMN file"

"""findings.json against its JSON Schema (docs/findings.schema.json) and its typed model
(oppnaogon.model.findings): every kind of run writes a document the schema accepts and the model reads
back to the same text; a renamed key, an unknown key or a wrong code is refused by both."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from oppnaogon.analysis import differences as analysis
from oppnaogon.analysis import followup
from oppnaogon.app import analyse as run
from oppnaogon.cli import app
from oppnaogon.model import config, reasons
from oppnaogon.model import findings as model
from oppnaogon.model.findings import ABSENT, Findings, FindingsFileError
from oppnaogon.prepare import normalise
from oppnaogon.present.outputs import to_json
from oppnaogon.testing.worlds import generate_study_world, generate_world, write_world
from tests.conftest import EXAMPLE, EXAMPLE_ENV, ROOT, ExampleRun

SCHEMA_PATH = ROOT / "docs" / "findings.schema.json"
runner = CliRunner()


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema())


# --- the documents -------------------------------------------------------------------------------------

CONFIG_HEAD = (
    'area = "barn_och_unga"\nperiod = "quarter"\n[columns]\nsex = "Kön"\nage = "Ålder"\n'
    'date = "Beslutsdatum"\n[values.sex]\nfemale = ["Flicka"]\nmale = ["Pojke"]\n'
    '[outcomes.insats_beviljad]\ncolumn = "Insats beviljad"\nkind = "decision"\npositive = ["Ja"]\n'
)
DECISION_CRITERIA = (
    '[criteria]\nneed = ["Risknivå"]\nmet_otherwise = ["Bör tillgodoses av annan verksamhet"]\n'
    'consent = ["Samtycke"]\n'
)


def _strata_extract(
    folder: Path,
    strata: dict[tuple[str, str], tuple[int, int]],
    *,
    districts: bool = False,
    out_of_range_ages: int = 0,
) -> tuple[Path, Path]:
    """Girls and boys per risk level, `strata[(sex, risk)]` = (granted, refused), every other decision
    criterion the same for everyone; with `districts`, a district column whose one value two persons
    share (pooled as 'övriga'); `out_of_range_ages` rows more with the age 130 (excluded)."""
    folder.mkdir(parents=True, exist_ok=True)
    header = "Kön,Ålder,Beslutsdatum,Risknivå,Insats beviljad,Bör tillgodoses av annan verksamhet,Samtycke"
    lines = [header + (",Stadsdel" if districts else "")]
    for (sex, risk), (granted, refused) in strata.items():
        for i, answer in enumerate(["Ja"] * granted + ["Nej"] * refused):
            district = ("Lillby" if len(lines) <= 2 else ("Norr", "Söder")[i % 2]) if districts else None
            row = f"{sex},{10 + i % 7},2025-0{1 + i % 9}-1{i % 10},{risk},{answer},Nej,Ja"
            lines.append(row + (f",{district}" if district else ""))
    for i in range(out_of_range_ages):
        lines.append(f"Flicka,130,2025-03-1{i},Låg,Ja,Nej,Ja" + (",Norr" if districts else ""))
    columns = 'residence = "Stadsdel"\n' if districts else ""
    (folder / "oppnaogon.toml").write_text(
        CONFIG_HEAD.replace("[values.sex]", columns + "[values.sex]") + DECISION_CRITERIA, encoding="utf-8"
    )
    data = folder / "uttag.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data, folder / "oppnaogon.toml"


# Crude 50 % against 50 %, but +20 points at each risk level: a masked, unmotivated difference.
MASKED = {
    ("Flicka", "Hög"): (180, 20),
    ("Pojke", "Hög"): (280, 120),
    ("Flicka", "Låg"): (120, 280),
    ("Pojke", "Låg"): (20, 180),
}
# +40 points at high risk, −20 at low (as in test_verdicts): each level becomes a breakdown of its own.
OPPOSITE_BY_RISK = {
    ("Flicka", "Hög"): (720, 80),
    ("Pojke", "Hög"): (140, 60),
    ("Flicka", "Låg"): (20, 180),
    ("Pojke", "Låg"): (240, 560),
}


def _period_hidden_extract(folder: Path) -> tuple[Path, Path]:
    """Two quarters of 2025, the first with 3 boys: the year's report hides the boys' whole-group figures
    because that quarter's report does (rule R4), and the need column has each risk level for one sex
    only (no girl and boy with the same value to compare)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Kön,Ålder,Beslutsdatum,Risknivå,Insats beviljad"]
    for sex, n, day, granted in (
        ("Flicka", 30, "2025-02-10", 15),
        ("Pojke", 3, "2025-02-11", 1),
        ("Flicka", 30, "2025-05-10", 15),
        ("Pojke", 30, "2025-05-11", 10),
    ):
        risk = "Hög" if sex == "Flicka" else "Låg"
        lines += [f"{sex},{10 + i % 7},{day},{risk},{'Ja' if i < granted else 'Nej'}" for i in range(n)]
    (folder / "oppnaogon.toml").write_text(
        CONFIG_HEAD + '[criteria]\nneed = ["Risknivå"]\n', encoding="utf-8"
    )
    data = folder / "uttag.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data, folder / "oppnaogon.toml"


def _fill_worksheet(docx: Path) -> None:
    """Write into the first generated row of a Word report's worksheet, as a team would."""
    from docx import Document

    document = Document(str(docx))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Skillnad vi ser")
    table.rows[1].cells[1].text = "Orsak A"
    document.save(str(docx))


def _analyse(args: list[str]) -> None:
    result = runner.invoke(app, ["analyse", *args, "--format", "json", "--quiet"], env=EXAMPLE_ENV)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def documents(example_run: ExampleRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """findings.json of every kind of run, by name: the example; the example with --period; a follow-up
    (with a filled-in worksheet and a changed setting); batch units with and without --period; and
    planted worlds (masked, levels, pooled labels and exclusions, partly explained, accommodation,
    criteria not recorded or not comparable, a whole-group cell hidden because of a period)."""
    root = tmp_path_factory.mktemp("findings_schema")
    found: dict[str, Path] = {"example": example_run.out / "findings.json"}

    _analyse([str(EXAMPLE), "--out", str(root / "period"), "--period", "latest"])
    found["period"] = root / "period" / "findings.json"

    before = root / "before"
    shutil.copytree(example_run.out, before)
    _fill_worksheet(before / "rapport.docx")
    result = runner.invoke(
        app,
        [
            *("analyse", str(EXAMPLE), "--out", str(root / "followup"), "--compare-with", str(before)),
            *("--min-cell", "6", "--format", "json,md", "--quiet"),
        ],
        env=EXAMPLE_ENV,
    )
    assert result.exit_code == 0, result.output
    found["followup"] = root / "followup" / "findings.json"

    for name, extra in (("batch", []), ("batch_period", ["--period", "latest"])):
        out = root / name
        result = runner.invoke(
            app,
            ["batch", str(EXAMPLE), "--out", str(out), "--format", "json", "--quiet", *extra],
            env=EXAMPLE_ENV,
        )
        assert result.exit_code == 0, result.output
        for unit in sorted(out.glob("*/findings.json")):
            found[f"{name}/{unit.parent.name}"] = unit

    worlds: dict[str, tuple[Path, Path]] = {
        "masked": _strata_extract(root / "in-masked", MASKED, districts=True, out_of_range_ages=6),
        "levels": _strata_extract(root / "in-levels", OPPOSITE_BY_RISK),
    }
    for scenario in ("explained_by_need", "participation_interpreter_not_used", "no_criteria_columns"):
        worlds[scenario] = write_world(generate_world(scenario, 2000, 1), root / f"in-{scenario}")
    for scenario in ("missing_need", "participation_partly_wish"):
        worlds[scenario] = write_world(generate_study_world(scenario, 2000, 1), root / f"in-{scenario}")
    for name, (data, cfg) in worlds.items():
        _analyse([str(data), "--config", str(cfg), "--out", str(root / name)])
        found[name] = root / name / "findings.json"
    data, cfg = _period_hidden_extract(root / "in-period-hidden")
    _analyse([str(data), "--config", str(cfg), "--out", str(root / "period_hidden"), "--period", "2025"])
    found["period_hidden"] = root / "period_hidden" / "findings.json"
    yield found


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# --- the schema ----------------------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = _schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"] == {
        "description": schema["properties"]["schema_version"]["description"],
        "const": run.SCHEMA_VERSION,
    }
    assert model.SCHEMA_VERSION == run.SCHEMA_VERSION


def _described(schema: dict[str, Any], where: str = "$") -> Iterator[str]:
    """The places in the schema where a property has no description."""
    for key, sub in schema.get("properties", {}).items():
        if "description" not in sub and "$ref" not in sub:
            yield f"{where}.{key}"
        yield from _described(sub, f"{where}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _described(schema[key], f"{where}.{key}")
    for name, sub in schema.get("$defs", {}).items():
        yield from _described(sub, f"#{name}")


def test_every_field_of_the_schema_is_described_and_every_object_closed() -> None:
    schema = _schema()
    assert list(_described(schema)) == []

    def objects(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    assert all(o.get("additionalProperties") is False for o in objects(schema))


def _enum(schema: dict[str, Any], name: str) -> list[Any]:
    return schema["$defs"][name]["enum"]


def test_the_schemas_closed_sets_are_the_tools() -> None:
    """A new outcome kind, sex, verdict, trend, exclusion reason or breakdown dimension fails here until
    the schema (and the model) has it too."""
    schema = _schema()
    top, defs = schema["properties"], schema["$defs"]
    assert _enum(schema, "outcome_kind") == list(config.OUTCOME_KINDS) == list(model.OUTCOME_KINDS)
    assert _enum(schema, "sex") == list(config.SEX_VALUES) == list(model.SEXES)
    assert defs["difference"]["properties"]["verdict"]["enum"] == [*model.VERDICTS, None]
    assert defs["change"]["properties"]["trend"]["enum"] == list(followup.TRENDS) == list(model.TRENDS)
    assert top["period"]["properties"]["kind"]["enum"] == list(model.PERIOD_UNITS)
    assert sorted(model.PERIOD_UNITS) == sorted(config.PERIOD_UNITS)
    assert top["input"]["properties"]["rows_excluded"]["propertyNames"]["enum"] == list(
        normalise.EXCLUSION_LABELS_SV
    )
    assert defs["dimension"]["anyOf"][0]["enum"] == list(analysis.DIMENSIONS)
    assert top["outcomes"]["items"]["properties"]["criteria"]["enum"] == list(config.NUMERIC_CRITERIA)
    # the reasons are the catalogue's published (English) texts, one per code (model.reasons)
    published = defs["difference"]["properties"]
    assert [r for r in published["reason"]["enum"] if r] == [
        t.en for t in reasons.DIFFERENCE_REASONS.values()
    ]
    assert {r for r in published["verdict_reason"]["enum"] if r} == {
        t.en for t in reasons.VERDICT_REASONS.values()
    }


def test_every_kind_of_run_writes_findings_the_schema_accepts(documents: dict[str, Path]) -> None:
    validator = _validator()
    assert len(documents) == 17
    for name, path in documents.items():
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(_load(path))]
        assert errors == [], name


def _schema_paths(node: dict[str, Any], defs: dict[str, Any], path: str) -> Iterator[str]:
    """Every property path the schema declares (`differences[].adjusted.ci`; `*` for a key of a map)."""
    if "$ref" in node:
        yield from _schema_paths(defs[node["$ref"].rsplit("/", 1)[1]], defs, path)
    for key, sub in node.get("properties", {}).items():
        yield f"{path}.{key}"
        yield from _schema_paths(sub, defs, f"{path}.{key}")
    if isinstance(node.get("items"), dict):
        yield from _schema_paths(node["items"], defs, f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield f"{path}.*"
    for branch in node.get("oneOf", []) + node.get("anyOf", []):
        yield from _schema_paths(branch, defs, path)


MAPS = ("breakdown", "rows_excluded")


def _document_paths(value: Any, path: str = "$") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.*" if path.rsplit(".", 1)[-1] in MAPS else f"{path}.{key}"
            yield here
            yield from _document_paths(item, here)
    elif isinstance(value, list):
        for item in value:
            yield from _document_paths(item, f"{path}[]")


def test_the_runs_exercise_every_part_of_the_schema(documents: dict[str, Path]) -> None:
    """Each key the schema declares, optional or not, is in at least one of the documents, so that each
    is checked against what the tool writes; a key whose value is null there counts as present."""
    schema = _schema()
    declared = set(_schema_paths(schema, schema["$defs"], "$"))
    written = {p for path in documents.values() for p in _document_paths(_load(path))}
    assert declared - written == set()
    assert written - declared == set()  # (the validation says the same; this names the path)


@pytest.fixture
def example(example_run: ExampleRun) -> dict[str, Any]:
    return example_run.findings()


def _errors(document: dict[str, Any]) -> list[str]:
    return [e.message for e in _validator().iter_errors(document)]


def test_the_schema_refuses_an_unknown_or_renamed_key_and_a_wrong_code(example: dict[str, Any]) -> None:
    assert _errors(example) == []
    added = copy.deepcopy(example) | {"extra": 1}
    assert _errors(added) == ["Additional properties are not allowed ('extra' was unexpected)"]
    renamed = copy.deepcopy(example)
    renamed["differences"][0]["verdikt"] = renamed["differences"][0].pop("verdict")
    assert sorted(_errors(renamed)) == [
        "'verdict' is a required property",
        "Additional properties are not allowed ('verdikt' was unexpected)",
    ]
    coded = copy.deepcopy(example)
    coded["differences"][0]["verdict"] = "explained"
    assert any("'explained' is not one of ['motivated'" in e for e in _errors(coded))
    nested = copy.deepcopy(example)
    nested["settings"]["min_cel"] = 5
    assert _errors(nested) == ["Additional properties are not allowed ('min_cel' was unexpected)"]
    period = copy.deepcopy(example) | {"trend": []}
    assert sorted(_errors(period)) == [
        "'comparison' is a dependency of 'trend'",
        "'period' is a dependency of 'trend'",
    ]


# --- the model -----------------------------------------------------------------------------------------


def test_the_model_reads_every_document_and_writes_it_back_byte_for_byte(documents: dict[str, Path]) -> None:
    for name, path in documents.items():
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        findings = Findings.from_dict(document, source=path.name)
        assert findings.to_dict() == document, name
        assert to_json(findings.to_dict()) == text, name


def test_the_model_holds_the_parts_typed(documents: dict[str, Path]) -> None:
    example = Findings.from_dict(_load(documents["example"]))
    whole = next(d for d in example.differences if not d.breakdown)
    assert whole.groups == ("female", "male") and whole.explained_part is ABSENT
    numeric = next(d for d in example.differences if d.kind == "numeric" and d.smd is not ABSENT)
    assert numeric.adjusted is None or isinstance(numeric.adjusted, model.AdjustedMean)
    assert example.period is None and example.followup is None and example.pooled_labels is None
    masked = Findings.from_dict(_load(documents["masked"]))
    assert masked.differences[0].masked and masked.differences[0].verdict == "unmotivated"
    assert masked.input.rows_excluded == (("age out of range", 6),)
    assert masked.pooled_labels is not None and masked.pooled_labels[0].values is None
    levels = Findings.from_dict(_load(documents["levels"]))
    assert levels.differences[0].heterogeneous_in == ("Risknivå",) and levels.differences[0].level_differences
    partly = Findings.from_dict(_load(documents["explained_by_need"]))
    assert isinstance(partly.differences[0].explained_part, model.ExplainedPart)
    later = Findings.from_dict(_load(documents["followup"]))
    assert later.followup is not None and later.followup.settings_changed == ("min_cell",)
    assert later.followup.worksheet == model.Worksheet(file="rapport.docx", rows_carried=1)
    hidden = Findings.from_dict(_load(documents["period_hidden"]))
    assert hidden.disclosure.whole_group_hidden == (
        model.WholeGroupHidden(outcome="insats_beviljad", sex="male", because="period"),
    )
    assert hidden.period is not None and hidden.period.kind == "year" and hidden.trend is not None


def _refusal(document: object) -> str:
    with pytest.raises(FindingsFileError) as caught:
        Findings.from_dict(document, source="förra/findings.json")
    assert caught.value.exit_code == 2
    assert (
        caught.value.hint == "Ange findings.json från en tidigare körning av oppnaogon analyse, oförändrad."
    )
    prefix = "förra/findings.json är ingen findings.json från oppnaogon (schema_version 1): "
    assert caught.value.message.startswith(prefix)
    return caught.value.message.removeprefix(prefix)


def test_the_model_refuses_what_is_not_findings_json_naming_the_key(example: dict[str, Any]) -> None:
    assert _refusal([1, 2]) == "filen ska vara ett objekt men är en lista."
    assert _refusal({"differences": []}) == "den har ingen schema_version; den här versionen läser 1."
    assert _refusal(example | {"schema_version": 2}) == "den har schema_version 2; den här versionen läser 1."
    assert _refusal(example | {"extra": 1}) == "nyckeln 'extra' är okänd."

    renamed = copy.deepcopy(example)
    renamed["differences"][3]["verdikt"] = renamed["differences"][3].pop("verdict")
    assert _refusal(renamed) == "nyckeln 'differences[3].verdict' saknas."
    coded = copy.deepcopy(example)
    coded["differences"][3]["verdict"] = "explained"
    assert _refusal(coded) == (
        "'differences[3].verdict' har ett värde utanför de tillåtna "
        "(motivated, partly_explained, unmotivated, inconclusive, not_assessable, null)."
    )
    typed = copy.deepcopy(example)
    typed["descriptives"][0]["n"] = "12"
    assert _refusal(typed) == "'descriptives[0].n' ska vara ett heltal eller null men är en text."
    nested = copy.deepcopy(example)
    nested["settings"]["min_cel"] = 5
    assert _refusal(nested) == "nyckeln 'settings.min_cel' är okänd."
    interval = copy.deepcopy(example)
    interval["differences"][0]["ci"] = [0.1]
    assert (
        _refusal(interval) == "'differences[0].ci' ska vara en lista av två tal eller null men är en lista."
    )
    deep = copy.deepcopy(example)
    deep["differences"][0]["criteria"][0]["available"] = "ja"
    assert (
        _refusal(deep) == "'differences[0].criteria[0].available' ska vara true eller false men är en text."
    )
    group = copy.deepcopy(example)
    group["differences"][0]["groups"] = ["male", "female"]
    assert _refusal(group) == "'differences[0].groups' ska vara [female, male]."
    assert _refusal(example | {"trend": []}) == "den har 'trend' men nyckeln 'period' saknas."
    # the value itself is never repeated: a file given by mistake may hold anything
    secret = copy.deepcopy(example)
    secret["differences"][0]["outcome"] = {"personnummer": "19121212-1212"}
    message = _refusal(secret)
    assert message == "'differences[0].outcome' ska vara en text men är ett objekt." and "1212" not in message


def test_a_findings_document_its_model_does_not_describe_is_never_written(
    write_csv: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """findings.json is written as its typed model gives it back: a key the model does not know (a
    fault of the tool, never of the input) stops the run with exit 1 before anything is written."""
    rows = [["Kön", "Insats beviljad"]] + [["K", "Ja"], ["M", "Nej"]] * 20
    data = write_csv(rows)
    written = run.findings_document

    def with_a_surprise(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**written(*args, **kwargs), "surprise": 1}

    out = tmp_path / "rapport"
    assert runner.invoke(app, ["analyse", str(data), "--out", str(tmp_path / "ok")]).exit_code == 0
    monkeypatch.setattr(run, "findings_document", with_a_surprise)
    result = runner.invoke(app, ["analyse", str(data), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert not out.exists()

"""Who sees a row is said once per resource type, in its package's `visibility.py`: an area
condition written anywhere else is a second copy of a rule, free to drift into a leak."""

import ast
from pathlib import Path

import pytest

import sofifi_api

SOURCE = Path(sofifi_api.__file__).parent
# AreaScope's conditions: SQL (`clause`) and for a code in hand (`covers`, `covers_all`).
AREA_CONDITIONS = {"clause", "covers", "covers_all"}
# Where AreaScope is defined, with the refusals of writes outside a client's areas.
AREA_SCOPE = SOURCE / "auth" / "areas.py"


def area_conditions_in(path: Path) -> list[int]:
    """Lines of `path` that call an area condition."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in AREA_CONDITIONS
    ]


def outside_visibility_definitions(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root.parent)}:{line}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "visibility.py" and path != AREA_SCOPE
        for line in area_conditions_in(path)
    ]


def test_area_conditions_are_written_only_in_visibility_definitions() -> None:
    assert outside_visibility_definitions(SOURCE) == []


@pytest.mark.parametrize(
    "code",
    [
        "statement.where(areas.clause(col(Program.area_code)))",
        "if not principal.areas.covers(code): raise AreaNotFound(code)",
        "visible = areas.covers_all(codes)",
    ],
)
def test_the_check_finds_an_area_condition_written_elsewhere(tmp_path: Path, code: str) -> None:
    package = tmp_path / "sofifi_api" / "things"
    package.mkdir(parents=True)
    (package / "service.py").write_text(f"def things():\n    {code}\n")
    (package / "visibility.py").write_text(f"def rule():\n    {code}\n")

    assert outside_visibility_definitions(tmp_path / "sofifi_api") == [
        "sofifi_api/things/service.py:2"
    ]

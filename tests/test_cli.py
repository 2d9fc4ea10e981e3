from typer.testing import CliRunner

from sofifi_api.cli import app


def test_help_lists_serve_migrate_and_seed_demo() -> None:
    result = CliRunner().invoke(app, ["--help"])

    assert result.exit_code == 0
    for command in ("serve", "migrate", "seed-demo"):
        assert command in result.output

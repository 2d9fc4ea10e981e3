"""The README's quick start, followed as written on a fresh database: `make run`, the first-key
step, and the documented first call, with the bodies the OpenAPI document shows as examples."""

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.databases import fresh_database
from tests.servers import ROOT, Server, running_server

README = ROOT / "README.md"
DOCUMENTED_URL = "http://127.0.0.1:8000"


def quick_start_commands() -> list[str]:
    """The shell commands of the README's Quick start: continued lines joined, comments cut."""
    section = README.read_text(encoding="utf-8").split("\n## Quick start\n", 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command:
                commands.append(command)
    return commands


def documented(prefix: str) -> str:
    return next(command for command in quick_start_commands() if command.startswith(prefix))


def example(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The example Swagger UI fills a request body with: the schema's own, else its
    properties' (each property's first example)."""
    if "examples" in schema:
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "$ref" in schema:
        return example(document, document["components"]["schemas"][schema["$ref"].split("/")[-1]])
    return {name: example(document, prop) for name, prop in schema["properties"].items()}


def create_example(document: dict[str, Any], path: str) -> dict[str, Any]:
    body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    value: dict[str, Any] = example(document, body["schema"])
    return value


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """`make run` serving a fresh database of the run's kind, and the key the first-key step
    gave."""
    assert "make run" in quick_start_commands()
    with fresh_database(tmp_path_factory.mktemp("quick-start")) as url:
        # As from a terminal, not from inside `make test`.
        environment = {"DATABASE_URL": url, "MAKEFLAGS": "", "MAKELEVEL": ""}
        # `make run` migrates, then serves: two processes that each import the service.
        with running_server(["make", "run"], environment) as server:
            shell = f'{documented("export SOFIFI_API_KEY=")}\nprintf %s "$SOFIFI_API_KEY"'
            key = subprocess.run(
                ["bash", "-c", shell],
                cwd=ROOT,
                env=os.environ | environment,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert key.startswith("sfk_")
            yield server, key


@pytest.fixture(scope="module")
def openapi(quick_start: tuple[Server, str]) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{quick_start[0].url}/openapi.json").json()
    return document


def test_the_documented_call_posts_the_docs_example_organization(openapi: dict[str, Any]) -> None:
    arguments = shlex.split(documented("curl "))

    sent = json.loads(arguments[arguments.index("-d") + 1])

    assert DOCUMENTED_URL + "/v1/organizations" in arguments
    assert sent == create_example(openapi, "/v1/organizations")


def test_the_documented_call_creates_the_organization(quick_start: tuple[Server, str]) -> None:
    server, key = quick_start
    curl = documented("curl ").replace(DOCUMENTED_URL, server.url)

    answer = subprocess.run(
        ["bash", "-c", curl],
        env=os.environ | {"SOFIFI_API_KEY": key},
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert answer.splitlines()[0].split()[1] == "201", answer


def test_every_create_example_naming_an_area_is_accepted(
    quick_start: tuple[Server, str], openapi: dict[str, Any]
) -> None:
    """Ids in the examples name resources of the docs' world; here, those just created from
    their own examples. Area codes are sent as the examples give them."""
    server, key = quick_start
    statuses: dict[str, int] = {}
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:

        def create(name: str, path: str, body: dict[str, Any]) -> str:
            response = http.post(path, json=body)
            statuses[name] = response.status_code
            return str(response.json().get("id"))

        def create_example_of(path: str, **ids: Any) -> str:
            return create(path, path, create_example(openapi, path) | ids)

        def participant(kind: str, **ids: Any) -> str:
            body = example(openapi, {"$ref": f"#/components/schemas/{kind.title()}Create"})
            return create(f"{kind} participant", "/v1/participants", body | ids)

        organization = create_example_of("/v1/organizations")
        create_example_of("/v1/areas")
        partners = create_example(openapi, "/v1/programs")["partners"]
        program = create_example_of(
            "/v1/programs",
            lead_organization_id=organization,
            partners=[partner | {"organization_id": organization} for partner in partners],
        )
        person = participant("person")
        participant("group", member_ids=[person])
        create_example_of("/v1/infrastructure-projects", implementing_organization_id=organization)
        # Without the example's survey: its answers are not those of the survey example.
        create_example_of(
            "/v1/feedback", program_id=program, survey_id=None, survey_version=None, answers=None
        )
        create_example_of("/v1/clients", organization_id=organization)

    assert statuses == dict.fromkeys(statuses, 201)

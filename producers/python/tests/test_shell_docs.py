"""docs/producers.md's AWS CLI commands, run as written against `cfiq local`."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

from conftest import ROOT

DOC = ROOT / "docs" / "producers.md"


def block_after(marker: str) -> str:
    """The fenced ```sh block that follows `<!-- marker... -->` in the doc."""
    match = re.search(rf"<!-- {re.escape(marker)}\b[^>]*-->\n(?:<!-- docs-test: \w+ -->\n)?```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert match, f"{DOC} has no ```sh block after <!-- {marker} -->"
    return match.group(1)


def exported(block: str) -> dict:
    """The variables a block of `export NAME=value ...` lines sets."""
    variables = {}
    for line in block.splitlines():
        words = shlex.split(line)
        assert words[:1] == ["export"], f"not an export line: {line}"
        variables.update(word.split("=", 1) for word in words[1:])
    return variables


def test_the_documented_aws_cli_commands_invalidate_through_local_mode(local_mode):
    # GIVEN the doc's local-mode environment, with this local mode's endpoint and queue URL
    variables = exported(block_after("producers-shell-local-env"))
    assert {"AWS_ENDPOINT_URL_SQS", "CFIQ_QUEUE_URL"} <= variables.keys()
    variables.update(AWS_ENDPOINT_URL_SQS=local_mode.sqs_endpoint, CFIQ_QUEUE_URL=local_mode.queue_url)
    commands = block_after("producers-shell-send")
    assert commands.count('--endpoint-url "$AWS_ENDPOINT_URL_SQS"') == commands.count("aws sqs"), "every command must stay on 127.0.0.1"
    before = local_mode.invalidation_ids()

    # WHEN the documented commands run as written
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        env={**os.environ, **variables}, capture_output=True, text=True, timeout=120,
    )

    # THEN both messages were sent, and their paths invalidated
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"MessageId"') == 2, result.stdout
    created = local_mode.new_invalidations(before)
    assert sorted(path for paths in created.values() for path in paths) == ["/blog/*", "/news/"]

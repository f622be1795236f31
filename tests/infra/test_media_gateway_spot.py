"""Fargate Spot for the media gateway: the capacity-provider strategy per gateway_spot_percent, and a stop timeout
that fits the Spot interruption notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App
from connect_transcribe.gateway.worker import WorkerSettings

from infra.config import DeploymentConfig
from infra.constructs.media_gateway import SPOT_INTERRUPTION_NOTICE
from tests.infra.conftest import Synth
from tests.infra.test_media_gateway import container, only


def service(synth: Synth) -> dict[str, Any]:
    return only(synth.template, "AWS::ECS::Service")[1]


def cluster_capacity_providers(synth: Synth) -> list[dict[str, Any]]:
    return list(synth.template.find_resources("AWS::ECS::ClusterCapacityProviderAssociations").values())


def test_default_is_on_demand_with_the_template_unchanged(default_synth: Synth) -> None:
    # Given the default context (gateway_spot_percent 0)
    props = service(default_synth)
    # Then the service launches plain Fargate tasks and the cluster has no capacity providers
    assert props["LaunchType"] == "FARGATE"
    assert "CapacityProviderStrategy" not in props
    assert cluster_capacity_providers(default_synth) == []


@pytest.mark.parametrize(("spot", "on_demand_weight"), [(50, 50), (100, 0)])
def test_spot_share_splits_tasks_above_an_on_demand_base(
    synth: Callable[[dict[str, Any] | None], Synth], spot: int, on_demand_weight: int
) -> None:
    # Given a Spot share, the default minimum of 1 task and no explicit base
    built = synth({"gateway_spot_percent": str(spot)})
    props = service(built)
    # Then the service uses the strategy instead of a launch type: the base on demand, the rest split by weight
    assert "LaunchType" not in props
    assert props["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": on_demand_weight},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": spot},
    ]
    # and the cluster offers both Fargate capacity providers
    (association,) = cluster_capacity_providers(built)
    assert sorted(association["Properties"]["CapacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]


def test_on_demand_base_follows_the_minimum_task_count_unless_set(
    synth: Callable[[dict[str, Any] | None], Synth],
) -> None:
    from_min = service(synth({"gateway_spot_percent": "70", "gateway_min_tasks": "3"}))
    explicit = service(synth({"gateway_spot_percent": "70", "gateway_min_tasks": "3", "gateway_on_demand_base": "0"}))

    assert from_min["CapacityProviderStrategy"][0] == {"CapacityProvider": "FARGATE", "Base": 3, "Weight": 30}
    assert explicit["CapacityProviderStrategy"][0] == {"CapacityProvider": "FARGATE", "Base": 0, "Weight": 30}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"gateway_spot_percent": "101"}, "gateway_spot_percent"),
        ({"gateway_spot_percent": "-1"}, "gateway_spot_percent"),
        ({"gateway_spot_percent": "half"}, "gateway_spot_percent"),
        ({"gateway_on_demand_base": "-1"}, "gateway_on_demand_base"),
        ({"gateway_on_demand_base": "11", "gateway_max_tasks": "10"}, "gateway_on_demand_base must not exceed"),
    ],
)
def test_out_of_range_values_name_the_key(context: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DeploymentConfig.from_context(App(context=context))


def test_stop_timeout_fits_the_spot_notice_and_the_worker_handover(
    synth: Callable[[dict[str, Any] | None], Synth],
) -> None:
    # Given a deployment on Spot: an interruption is ECS's SIGTERM, 2 minutes before the task is reclaimed
    stop_timeout = container(synth({"gateway_spot_percent": "100"}).template)["StopTimeout"]
    # Then ECS waits no longer than the notice before SIGKILL (the handover is never cut by the reclaim)
    assert stop_timeout <= SPOT_INTERRUPTION_NOTICE.to_seconds() == 120
    # and long enough for the worker's own handover bound (tests/integration/gateway/test_takeover.py measures it)
    assert stop_timeout >= WorkerSettings().handover_timeout_s


def test_spot_variant_is_cdk_nag_clean(synth: Callable[[dict[str, Any] | None], Synth]) -> None:
    from tests.infra.test_cdk_nag import _violations

    assert _violations(synth({"gateway_spot_percent": "50"}).stack) == []

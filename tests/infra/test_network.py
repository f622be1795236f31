"""Network layouts of the media gateway: public IPs without a NAT gateway (default), NAT egress, existing VPCs.

GetMedia has no VPC endpoint, so the layout decides whether every call's audio pays the NAT gateway's per-GB charge.
"""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from tests.infra.conftest import SUBNET_IDS, Synth
from tests.infra.test_media_gateway import only, resources

HTTPS_OUT = [
    {"CidrIp": "0.0.0.0/0", "Description": "HTTPS to AWS APIs", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}
]


def task_network(template: Template) -> dict[str, Any]:
    _, service = only(template, "AWS::ECS::Service")
    return service["NetworkConfiguration"]["AwsvpcConfiguration"]


def subnets(template: Template, name: str) -> dict[str, dict[str, Any]]:
    """The new VPC's subnets of one group ("Public" / "Private"), by logical id."""
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in resources(template, "AWS::EC2::Subnet").items()
        if {"Key": "aws-cdk:subnet-name", "Value": name} in resource["Properties"]["Tags"]
    }


def assert_tasks_admit_nothing_and_only_call_https(template: Template) -> None:
    _, group = only(template, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in group
    assert group["SecurityGroupEgress"] == HTTPS_OUT
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)


# ---------------------------------------------------------------- new VPC, public IPs (the default)


def test_default_runs_tasks_with_public_ips_in_public_subnets_without_nat(default_synth: Synth):
    template = default_synth.template
    public = subnets(template, "Public")

    assert default_synth.config.gateway_uses_public_ip is True
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::EIP", 0)
    assert subnets(template, "Private") == {}
    assert len(resources(template, "AWS::EC2::Subnet")) == 2
    network = task_network(template)
    assert network["AssignPublicIp"] == "ENABLED"
    assert sorted(s["Ref"] for s in network["Subnets"]) == sorted(public)
    assert_tasks_admit_nothing_and_only_call_https(template)


def test_public_subnets_route_to_the_internet_gateway_and_give_no_address_unasked(default_synth: Synth):
    template = default_synth.template
    (gateway_id,) = resources(template, "AWS::EC2::InternetGateway")
    routes = [r["Properties"] for r in resources(template, "AWS::EC2::Route").values()]

    assert [r["DestinationCidrBlock"] for r in routes] == ["0.0.0.0/0", "0.0.0.0/0"]
    assert all(r["GatewayId"] == {"Ref": gateway_id} for r in routes)
    # Only the service asks for an address; anything else launched here stays without one.
    assert [s["MapPublicIpOnLaunch"] for s in subnets(template, "Public").values()] == [False, False]


def test_public_layout_keeps_gateway_endpoints_and_flow_logs(default_synth: Synth):
    template = default_synth.template
    endpoints = resources(template, "AWS::EC2::VPCEndpoint").values()
    public_route_tables = {
        a["Properties"]["RouteTableId"]["Ref"]
        for a in resources(template, "AWS::EC2::SubnetRouteTableAssociation").values()
    }
    _, flow_log = only(template, "AWS::EC2::FlowLog")

    assert only(template, "AWS::EC2::VPC")[1]["CidrBlock"] == "10.40.0.0/16"
    assert sorted(e["Properties"]["VpcEndpointType"] for e in endpoints) == ["Gateway", "Gateway"]
    for endpoint in endpoints:  # DynamoDB and S3 (image layers) stay off the internet gateway too
        assert {t["Ref"] for t in endpoint["Properties"]["RouteTableIds"]} == public_route_tables
    assert flow_log["TrafficType"] == "ALL"
    flow_logs_group = resources(template, "AWS::Logs::LogGroup")[flow_log["LogGroupName"]["Ref"]]["Properties"]
    assert "KmsKeyId" in flow_logs_group


def test_interface_endpoints_sit_in_the_public_subnets(full_synth: Synth):
    template = full_synth.template
    public = sorted(subnets(template, "Public"))
    interface = [
        e["Properties"]
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    ]

    assert len(interface) == 5
    assert all(sorted(s["Ref"] for s in e["SubnetIds"]) == public for e in interface)
    template.resource_count_is("AWS::EC2::NatGateway", 0)


# ---------------------------------------------------------------- new VPC, NAT egress (gateway_public_ip=false)


def test_private_layout_runs_tasks_without_public_ips_behind_one_nat_gateway(private_nat_synth: Synth):
    template = private_nat_synth.template
    private = subnets(template, "Private")
    endpoints = resources(template, "AWS::EC2::VPCEndpoint").values()
    _, flow_log = only(template, "AWS::EC2::FlowLog")

    template.resource_count_is("AWS::EC2::NatGateway", 1)
    assert len(private) == 2
    assert len(subnets(template, "Public")) == 2
    network = task_network(template)
    assert network["AssignPublicIp"] == "DISABLED"
    assert sorted(s["Ref"] for s in network["Subnets"]) == sorted(private)
    assert_tasks_admit_nothing_and_only_call_https(template)
    assert sorted(e["Properties"]["VpcEndpointType"] for e in endpoints) == ["Gateway", "Gateway"]
    assert flow_log["TrafficType"] == "ALL"


def test_switching_layouts_keeps_the_public_subnets(default_synth: Synth, private_nat_synth: Synth):
    """Same logical ids and CIDRs in both layouts: a switch updates them in place instead of replacing them with
    overlapping CIDRs (which CloudFormation would refuse, as it creates the replacement first)."""
    public_ip = subnets(default_synth.template, "Public")
    nat = subnets(private_nat_synth.template, "Public")

    assert {i: s["CidrBlock"] for i, s in public_ip.items()} == {i: s["CidrBlock"] for i, s in nat.items()}
    assert sorted(s["CidrBlock"] for s in public_ip.values()) == ["10.40.0.0/18", "10.40.64.0/18"]


# ---------------------------------------------------------------- existing VPC


def test_existing_vpc_defaults_to_private_subnets_without_public_ips(external_synth: Synth):
    network = task_network(external_synth.template)

    assert external_synth.config.gateway_uses_public_ip is False
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == list(SUBNET_IDS)
    assert_tasks_admit_nothing_and_only_call_https(external_synth.template)


def test_existing_vpc_public_subnets_get_public_ips_when_asked(external_public_synth: Synth):
    template = external_public_synth.template
    network = task_network(template)

    for type_ in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::Route"):
        template.resource_count_is(type_, 0)
    assert network["AssignPublicIp"] == "ENABLED"
    assert network["Subnets"] == list(SUBNET_IDS)
    assert_tasks_admit_nothing_and_only_call_https(template)

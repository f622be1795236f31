"""Where the media gateway runs: a new two-AZ VPC (endpoints, flow logs) or an existing one.

The new VPC has one of two layouts (config.gateway_uses_public_ip): public subnets only, where the tasks get
public IPv4 addresses and reach AWS through the internet gateway (the default), or public + private subnets with
NAT egress. An existing VPC is described by config (vpc_id, private_subnet_ids or public_subnet_ids,
availability_zones) instead of looked up, so synth stays environment-agnostic and needs no credentials.
"""

from __future__ import annotations

import ipaddress

from aws_cdk import Annotations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import DeploymentConfig

# Everything the gateway calls through a NAT gateway (or the internet gateway) otherwise. Kinesis Video Streams has
# no interface endpoint, so GetMedia always leaves the VPC; DynamoDB and S3 (ECR layers) use free gateway endpoints.
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
}


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.vpc: ec2.IVpc
        if config.vpc_id is not None:
            # Exactly one of the two lists is set (config._network): the subnets the tasks run in.
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=config.vpc_id,
                availability_zones=list(config.availability_zones),
                private_subnet_ids=list(config.private_subnet_ids),
                public_subnet_ids=list(config.public_subnet_ids) or None,
            )
            for subnet in [*self.vpc.private_subnets, *self.vpc.public_subnets]:
                # Route tables only matter for adding routes or gateway endpoints, which an existing VPC's
                # owner manages; the service needs only the subnet ids.
                Annotations.of(subnet).acknowledge_warning(
                    "@aws-cdk/aws-ec2:noSubnetRouteTableId", "the stack adds no routes to an existing VPC"
                )
            return

        self.flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=config.log_retention,
            removal_policy=config.cdk_removal_policy,
            encryption_key=key,
        )
        subnets: list[ec2.SubnetConfiguration]
        if config.gateway_uses_public_ip:
            # Public subnets only: the tasks' own public IPv4 addresses ($0.005 an hour each) replace the NAT
            # gateway's hourly charge and its $0.045 per GB, which every GetMedia byte paid (KVS has no VPC endpoint).
            # Inbound stays closed: the tasks' security group admits nothing, and an address is only a way out.
            # Nothing else launched here gets an address by default; the service asks for one (assign_public_ip).
            nat_gateways = 0
            subnets = [
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    map_public_ip_on_launch=False,
                    # A quarter of the VPC each, as in the NAT layout (same CIDRs): switching gateway_public_ip
                    # either way updates them in place. Left to CDK they would take half the VPC each, and
                    # CloudFormation creates a replacement before deleting the old one, so the overlap would fail.
                    cidr_mask=ipaddress.ip_network(config.vpc_cidr).prefixlen + 2,
                ),
            ]
        else:
            nat_gateways = config.vpc_nat_gateways
            subnets = [
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ]
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(config.vpc_cidr),
            max_azs=2,
            nat_gateways=nat_gateways,
            subnet_configuration=subnets,
            gateway_endpoints={
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            },
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_logs),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
            # Nothing uses the default security group; locking it down would cost a custom-resource Lambda.
            restrict_default_security_group=False,
        )
        if config.vpc_interface_endpoints:
            endpoints = ec2.SecurityGroup(
                self,
                "EndpointSecurityGroup",
                vpc=vpc,
                description=f"{config.service_name} interface endpoints: HTTPS from the VPC",
                allow_all_outbound=False,
            )
            # The literal CIDR (not the VPC's CidrBlock attribute) keeps the rule checkable by cdk-nag.
            endpoints.add_ingress_rule(ec2.Peer.ipv4(config.vpc_cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
            for name, service in INTERFACE_ENDPOINTS.items():
                vpc.add_interface_endpoint(
                    name, service=service, private_dns_enabled=True, security_groups=[endpoints], open=False
                )
        self.vpc = vpc

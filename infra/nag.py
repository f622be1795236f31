"""cdk-nag (v3) helpers: acknowledgments always carry a reason and, where possible, a precise finding."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str, findings: Iterable[str] = ()) -> None:
    """Acknowledge `rule_id` on `scope` and everything below it.

    With `findings` (e.g. "Resource::*"), only those findings of the rule are acknowledged
    (`AwsSolutions-IAM5[Resource::*]`), so any new wildcard still fails synth.
    """
    ids = [f"{rule_id}[{finding}]" for finding in findings] or [rule_id]
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_ in ids))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of `construct`'s resource, as findings name it (`<LogicalId.Arn>`)."""
    resource = construct.node.default_child or construct
    assert isinstance(resource, CfnElement)
    stack = Stack.of(resource)
    return str(stack.resolve(resource.logical_id))

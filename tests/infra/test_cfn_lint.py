"""cfn-lint on the synthesized templates: no errors and no unexplained warnings."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint_file

# W3005 "dependency already enforced": CDK makes every Function DependsOn its role *and* the role's
# DefaultPolicy (so the first invocation already has its permissions); the role half is redundant with
# the GetAtt in Properties.Role, which is harmless.
IGNORED = ["W3005"]


@pytest.mark.parametrize("variant", ["default", "full", "external", "private_nat", "external_public"])
def test_template_passes_cfn_lint(variant, request, tmp_path):
    chosen = request.getfixturevalue(f"{variant}_synth")
    template = chosen.template.to_json()
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))

    matches = lint_file(path, ManualArgs(regions=["us-east-1", "eu-west-2"], ignore_checks=IGNORED))

    assert [f"{m.rule.id} {m.message} ({m.path})" for m in matches] == []

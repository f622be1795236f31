"""The File Exporter's infrastructure: feed bucket, export index, Glue/Athena, the run's state machine and its
schedule, least-privilege roles, the IAM-only API routes, alarms and outputs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template
from connect_transcribe.export.plan import InvalidExport
from connect_transcribe.export.rows import CorruptMessage
from pydantic import ValidationError

from infra.config import FILE_EXPORTER_PATHS
from infra.constructs import feed_bucket, feed_catalog

# ---------------------------------------------------------------- helpers


def resources(template: Template, type_: str) -> dict[str, Any]:
    return template.find_resources(type_)


def logical_id(template: Template, type_: str, prefix: str) -> str:
    (found,) = [i for i in resources(template, type_) if i.startswith(prefix)]
    return found


def get_att(id_: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [id_, attribute]}


def under(id_: str, suffix: str) -> dict[str, Any]:
    """`<id>.Arn` + suffix, as CDK renders an ARN with a path."""
    return {"Fn::Join": ["", [get_att(id_), suffix]]}


def render(value: Any) -> str:
    """A CloudFormation string expression as text: Ref -> <Id>, GetAtt -> <Id.Attr>, Join joined."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    separator, parts = value["Fn::Join"]
    return separator.join(render(p) for p in parts)


def function_id(template: Template, prefix: str) -> str:
    return logical_id(template, "AWS::Lambda::Function", prefix)


def role_statements(template: Template, fn_id: str) -> list[dict[str, Any]]:
    fn = resources(template, "AWS::Lambda::Function")[fn_id]["Properties"]
    return statements_of_role(template, fn["Role"]["Fn::GetAtt"][0])


def statements_of_role(template: Template, role_id: str) -> list[dict[str, Any]]:
    return [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def ids(template: Template) -> dict[str, str]:
    return {
        "bucket": logical_id(template, "AWS::S3::Bucket", "FeedBucket"),
        "logs_bucket": logical_id(template, "AWS::S3::Bucket", "FeedAccessLogs"),
        "key": logical_id(template, "AWS::KMS::Key", "Encryption"),
        "table": logical_id(template, "AWS::DynamoDB::Table", "Storage"),
        "state_machine": logical_id(template, "AWS::StepFunctions::StateMachine", "FileExporter"),
        "plan": function_id(template, "FileExporterPlan"),
        "hour": function_id(template, "FileExporterHour"),
        "commit": function_id(template, "FileExporterCommit"),
        "api": function_id(template, "FileExporterApi"),
    }


def via(*services: str) -> dict[str, Any]:
    rendered = [{"Fn::Join": ["", [f"{s}.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]} for s in services]
    return {"StringEquals": {"kms:ViaService": rendered[0] if len(rendered) == 1 else rendered}}


LOG_AND_TRACE_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}


def own_statements(template: Template, fn_id: str) -> list[dict[str, Any]]:
    """A function's statements beyond the logs/X-Ray pair every ServiceFunction has."""
    return [s for s in role_statements(template, fn_id) if not set(actions(s)) <= LOG_AND_TRACE_ACTIONS]


# ---------------------------------------------------------------- schedule


def test_schedule_starts_the_state_machine_daily_with_the_scheduled_event(default_synth):
    template = default_synth.template
    found = ids(template)
    (rule,) = resources(template, "AWS::Events::Rule").values()
    props = rule["Properties"]

    assert (props["ScheduleExpression"], props["State"]) == ("cron(0 2 * * ? *)", "ENABLED")
    (target,) = props["Targets"]
    assert target["Arn"] == {"Ref": found["state_machine"]}
    # No Input/InputPath/InputTransformer: export_plan receives the scheduled event and reads its `time`.
    assert set(target) == {"Arn", "Id", "RoleArn"}
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    assert statements_of_role(template, role_id) == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": found["state_machine"]}}
    ]


def test_schedule_expression_and_state_follow_config(synth):
    template = synth({"export_schedule": "cron(30 3 ? * MON-FRI *)", "export_enabled": "false"}).template
    (rule,) = resources(template, "AWS::Events::Rule").values()

    assert (rule["Properties"]["ScheduleExpression"], rule["Properties"]["State"]) == (
        "cron(30 3 ? * MON-FRI *)",
        "DISABLED",
    )


# ---------------------------------------------------------------- feed bucket


def test_feed_bucket_is_private_kms_encrypted_with_a_bucket_key_and_logged(default_synth):
    template = default_synth.template
    found = ids(template)
    bucket = resources(template, "AWS::S3::Bucket")[found["bucket"]]

    props = bucket["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {"KMSMasterKeyID": get_att(found["key"]), "SSEAlgorithm": "aws:kms"},
        }
    ]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": found["logs_bucket"]},
        "LogFilePrefix": "feed/",
    }
    assert "VersioningConfiguration" not in props
    assert bucket["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("bucket", ["bucket", "logs_bucket"])
def test_both_buckets_deny_plain_http_and_old_tls(bucket, default_synth):
    template = default_synth.template
    bucket_id = ids(template)[bucket]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    everything = [get_att(bucket_id), under(bucket_id, "/*")]

    assert {
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": everything,
    } in policy
    assert {
        "Action": "s3:*",
        "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": everything,
    } in policy


def test_access_log_bucket_takes_only_the_feed_bucket_logs_without_acls(default_synth):
    template = default_synth.template
    found = ids(template)
    props = resources(template, "AWS::S3::Bucket")[found["logs_bucket"]]["Properties"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": found["logs_bucket"]}
    ]

    # S3 delivers access logs only to SSE-S3 buckets.
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "AccessControl" not in props
    assert props["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == default_synth.config.log_retention_days
    assert {
        "Action": "s3:PutObject",
        "Condition": {
            "ArnLike": {"aws:SourceArn": get_att(found["bucket"])},
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        },
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Resource": under(found["logs_bucket"], "/feed/*"),
    } in policy


def test_lifecycle_expires_the_feed_and_cleans_up_after_runs_and_queries(default_synth, synth):
    def rules(template: Template) -> dict[str, dict[str, Any]]:
        props = resources(template, "AWS::S3::Bucket")[ids(template)["bucket"]]["Properties"]
        return {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}

    assert rules(default_synth.template) == {
        "ExpireFeed": {
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            "ExpirationInDays": 365,
            "Id": "ExpireFeed",
            "Status": "Enabled",
        },
        # A day before the data, so nothing ever names an expired file.
        "ExpireManifests": {
            "ExpirationInDays": 364,
            "Id": "ExpireManifests",
            "Prefix": "_manifests/",
            "Status": "Enabled",
        },
        "ExpireSymlinks": {
            "ExpirationInDays": 364,
            "Id": "ExpireSymlinks",
            "Prefix": "_symlinks/",
            "Status": "Enabled",
        },
        "ExpireRunResults": {"ExpirationInDays": 2, "Id": "ExpireRunResults", "Prefix": "_runs/", "Status": "Enabled"},
        "ExpireAthenaResults": {
            "ExpirationInDays": 7,
            "Id": "ExpireAthenaResults",
            "Prefix": "_athena-results/",
            "Status": "Enabled",
        },
    }
    shorter = rules(synth({"feed_retention_days": "30"}).template)
    assert (shorter["ExpireFeed"]["ExpirationInDays"], shorter["ExpireManifests"]["ExpirationInDays"]) == (30, 29)


def test_bucket_prefixes_match_the_runtime_layout():
    from connect_transcribe.export import layout as feed_layout
    from connect_transcribe.models.feed import FeedFormat

    slot = "2026-11-23T14"
    assert feed_layout.data_prefix(FeedFormat.JSONL, slot).startswith(feed_bucket.DATA_PREFIX)
    assert feed_layout.manifest_key("2026-11-23").startswith(feed_bucket.MANIFESTS_PREFIX)
    assert feed_layout.RUNS_PREFIX == feed_bucket.RUNS_PREFIX
    for fmt in FeedFormat:
        symlink = feed_layout.symlink_key(fmt, slot)
        assert symlink.startswith(feed_bucket.SYMLINKS_PREFIX)
        # The Glue table's partition template resolves to the folder the commit writes symlink.txt into.
        assert symlink == f"{feed_catalog.symlinks_prefix(fmt.value)}dt=2026-11-23/hr=14/symlink.txt"


# ---------------------------------------------------------------- export index


def test_table_has_the_export_index_projecting_only_the_body(default_synth):
    (table,) = resources(default_synth.template, "AWS::DynamoDB::Table").values()

    assert table["Properties"]["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "byExportSlot",
            "KeySchema": [
                {"AttributeName": "exportSlot", "KeyType": "HASH"},
                {"AttributeName": "createdAt", "KeyType": "RANGE"},
            ],
            "Projection": {"NonKeyAttributes": ["body"], "ProjectionType": "INCLUDE"},
        }
    ]


def test_index_name_and_keys_match_the_runtime_reader():
    from connect_transcribe.adapters import dynamodb_export

    from infra.constructs import storage

    assert (dynamodb_export.EXPORT_INDEX, dynamodb_export.EXPORT_SLOT_ATTRIBUTE) == (
        storage.EXPORT_INDEX,
        storage.EXPORT_SLOT_ATTRIBUTE,
    )


# ---------------------------------------------------------------- Glue and Athena


def glue_tables(template: Template) -> dict[str, dict[str, Any]]:
    return {
        t["Properties"]["TableInput"]["Name"]: t["Properties"] for t in resources(template, "AWS::Glue::Table").values()
    }


def test_glue_columns_are_the_runtime_columns_in_order():
    from connect_transcribe.models.feed import COLUMNS

    infra_columns = [name for name, _, _ in feed_catalog.COLUMNS] + [name for name, _, _ in feed_catalog.PARTITION_KEYS]

    assert tuple(infra_columns) == COLUMNS


@pytest.mark.parametrize(
    ("fmt", "serde"),
    [
        ("jsonl", "org.openx.data.jsonserde.JsonSerDe"),
        ("parquet", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
    ],
)
def test_each_format_has_a_symlink_table_with_projected_partitions(fmt, serde, default_synth):
    template = default_synth.template
    found = ids(template)
    (database_id,) = resources(template, "AWS::Glue::Database")
    table = glue_tables(template)[f"utterances_{fmt}"]
    location = f"s3://<{found['bucket']}>/_symlinks/utterances/version=1/format={fmt}/"
    descriptor = table["TableInput"]["StorageDescriptor"]
    parameters = table["TableInput"]["Parameters"]

    assert table["DatabaseName"] == {"Ref": database_id}
    assert [(c["Name"], c["Type"]) for c in descriptor["Columns"]] == [
        ("conversation_id", "string"),
        ("stream_id", "string"),
        ("sender_role", "string"),
        ("sender_external_id", "string"),
        ("utterance_id", "string"),
        ("sequence", "bigint"),
        ("start_ms", "bigint"),
        ("end_ms", "bigint"),
        ("text", "string"),
        ("language", "string"),
        ("created_ts", "string"),
        ("created_at_ms", "bigint"),
    ]
    assert [(c["Name"], c["Type"]) for c in table["TableInput"]["PartitionKeys"]] == [
        ("dt", "string"),
        ("hr", "string"),
    ]
    assert descriptor["InputFormat"] == "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
    assert descriptor["OutputFormat"] == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    assert descriptor["SerdeInfo"] == {"SerializationLibrary": serde}
    assert render(descriptor["Location"]) == location
    assert table["TableInput"]["TableType"] == "EXTERNAL_TABLE"
    assert {k: render(v) for k, v in parameters.items() if k.startswith(("projection.", "storage."))} == {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "NOW-365DAYS,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "projection.hr.type": "integer",
        "projection.hr.range": "0,23",
        "projection.hr.digits": "2",
        "storage.location.template": location + "dt=${dt}/hr=${hr}/",
    }


def test_only_deployed_formats_get_a_table(synth):
    assert set(glue_tables(synth({"export_formats": "parquet"}).template)) == {"utterances_parquet"}


def test_athena_workgroup_enforces_kms_encrypted_results_in_the_bucket(default_synth):
    template = default_synth.template
    found = ids(template)
    (workgroup,) = resources(template, "AWS::Athena::WorkGroup").values()
    configuration = workgroup["Properties"]["WorkGroupConfiguration"]
    results = configuration["ResultConfiguration"]

    assert workgroup["Properties"]["Name"] == "ConnectTranscribe-feed"
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert render(results["OutputLocation"]) == f"s3://<{found['bucket']}>/_athena-results/"
    assert results["EncryptionConfiguration"] == {"EncryptionOption": "SSE_KMS", "KmsKey": get_att(found["key"])}
    (database,) = resources(template, "AWS::Glue::Database").values()
    assert database["Properties"]["DatabaseInput"]["Name"] == "connecttranscribe_feed"


# ---------------------------------------------------------------- state machine


def definition(template: Template) -> dict[str, Any]:
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    return json.loads(render(machine["Properties"]["DefinitionString"]))


def test_run_is_plan_then_each_hour_then_commit(default_synth):
    template = default_synth.template
    found = ids(template)
    run = definition(template)
    states = run["States"]
    hours = states["ExportHours"]
    (hour,) = hours["ItemProcessor"]["States"].values()

    assert run["StartAt"] == "Plan"
    assert run["TimeoutSeconds"] == 24 * 3600
    assert (states["Plan"]["Type"], states["Plan"]["Next"]) == ("Task", "ExportHours")
    assert states["Plan"]["Resource"] == f"<{found['plan']}.Arn>"
    assert (hours["Type"], hours["ItemsPath"], hours["MaxConcurrency"], hours["Next"]) == (
        "Map",
        "$.slots",
        4,
        "Commit",
    )
    assert hours["ItemSelector"] == {
        "run_id.$": "$.run_id",
        "started_at_ms.$": "$.started_at_ms",
        "slot.$": "$$.Map.Item.Value",
    }
    # The hour results are dropped: the commit's input is the plan ({run_id, started_at_ms, slots}).
    assert hours["ResultPath"] is None
    assert "Parameters" not in states["Commit"] and "InputPath" not in states["Commit"]
    assert hour["Resource"] == f"<{found['hour']}.Arn>"
    assert states["Commit"]["Resource"] == f"<{found['commit']}.Arn>"
    assert states["Commit"]["End"] is True


def test_every_step_retries_lambda_errors_and_task_failures_with_backoff_but_not_permanent_errors(default_synth):
    states = definition(default_synth.template)["States"]
    tasks = [states["Plan"], *states["ExportHours"]["ItemProcessor"]["States"].values(), states["Commit"]]

    for task in tasks:
        service, permanent, ours = task["Retry"]
        assert "Lambda.ServiceException" in service["ErrorEquals"]
        # Named after the exceptions the steps raise for input that will never export (matched before TaskFailed).
        assert permanent == {
            "ErrorEquals": [CorruptMessage.__name__, InvalidExport.__name__, ValidationError.__name__],
            "MaxAttempts": 0,
        }
        assert ours == {
            "ErrorEquals": ["States.TaskFailed"],
            "IntervalSeconds": 10,
            "MaxAttempts": 3,
            "BackoffRate": 2,
            "JitterStrategy": "FULL",
        }


def test_concurrency_and_run_timeout_follow_config(synth):
    run = definition(synth({"export_max_concurrency": "10", "export_run_timeout_hours": "6"}).template)

    assert (run["States"]["ExportHours"]["MaxConcurrency"], run["TimeoutSeconds"]) == (10, 6 * 3600)


def test_state_machine_is_standard_traced_and_logs_everything_to_an_encrypted_group(default_synth):
    template = default_synth.template
    found = ids(template)
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]
    ((destination,),) = [props["LoggingConfiguration"]["Destinations"]]
    group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    group = resources(template, "AWS::Logs::LogGroup")[group_id]["Properties"]

    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert (props["LoggingConfiguration"]["Level"], props["LoggingConfiguration"]["IncludeExecutionData"]) == (
        "ALL",
        True,
    )
    assert (group["KmsKeyId"], group["RetentionInDays"]) == (get_att(found["key"]), 30)


def test_state_machine_may_invoke_only_the_three_steps(default_synth):
    template = default_synth.template
    found = ids(template)
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    statements = statements_of_role(template, machine["Properties"]["RoleArn"]["Fn::GetAtt"][0])
    invoke = [s for s in statements if "lambda:InvokeFunction" in actions(s)]

    invoked = {render(r) for s in invoke for r in s["Resource"]}
    assert invoked == {f"<{found[step]}.Arn>{suffix}" for step in ("plan", "hour", "commit") for suffix in ("", ":*")}
    assert all(a.startswith(("lambda:", "logs:", "xray:")) for s in statements for a in actions(s))


# ---------------------------------------------------------------- functions


def test_step_functions_get_the_export_settings_sizes_and_layers(default_synth):
    template = default_synth.template
    found = ids(template)
    fns = resources(template, "AWS::Lambda::Function")
    export_layer = logical_id(template, "AWS::Lambda::LayerVersion", "LayersExport")

    for step, memory, timeout in (("plan", 256, 60), ("hour", 1024, 900), ("commit", 512, 900)):
        props = fns[found[step]]["Properties"]
        assert {k: v for k, v in props["Environment"]["Variables"].items() if not k.startswith("POWERTOOLS_")} == {
            "TABLE_NAME": {"Ref": found["table"]},
            "FEED_BUCKET": {"Ref": found["bucket"]},
            "EXPORT_FORMATS": "jsonl,parquet",
            "EXPORT_MAX_FILE_ROWS": "1000000",
            "EXPORT_MAX_INTERVAL_HOURS": "744",
            "RETENTION_DAYS": "7",
        }
        assert (props["MemorySize"], props["Timeout"]) == (memory, timeout)
        # Only export_hour carries pyarrow (the 250 MB unzipped limit).
        assert ({"Ref": export_layer} in props["Layers"]) == (step == "hour")


def test_api_function_environment(default_synth):
    template = default_synth.template
    found = ids(template)
    props = resources(template, "AWS::Lambda::Function")[found["api"]]["Properties"]

    assert {k: v for k, v in props["Environment"]["Variables"].items() if not k.startswith("POWERTOOLS_")} == {
        "FEED_BUCKET": {"Ref": found["bucket"]},
        "EXPORT_FORMATS": "jsonl,parquet",
        "FEED_URL_TTL_SECONDS": "300",
        "EXPORT_STATE_MACHINE_ARN": {"Ref": found["state_machine"]},
        "EXPORT_MAX_INTERVAL_HOURS": "744",
        "RETENTION_DAYS": "7",
        "MAX_BODY_BYTES": "16384",
    }


# ---------------------------------------------------------------- least privilege


def test_plan_has_no_permission_beyond_logs_and_tracing(default_synth):
    template = default_synth.template

    assert own_statements(template, ids(template)["plan"]) == []


def test_hour_queries_only_the_index_and_only_writes_its_prefixes(default_synth):
    template = default_synth.template
    found = ids(template)

    assert own_statements(template, found["hour"]) == [
        {
            "Action": "dynamodb:Query",
            "Effect": "Allow",
            "Resource": under(found["table"], "/index/byExportSlot"),
        },
        {
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Effect": "Allow",
            "Resource": [under(found["bucket"], "/utterances/*"), under(found["bucket"], "/_runs/*")],
        },
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Condition": via("dynamodb", "s3"),
            "Effect": "Allow",
            "Resource": get_att(found["key"]),
        },
    ]
    granted = {a for s in role_statements(template, found["hour"]) for a in actions(s)}
    assert not granted & {"s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "dynamodb:Scan", "dynamodb:GetItem"}


def test_commit_reads_swaps_and_cleans_only_its_prefixes(default_synth):
    template = default_synth.template
    found = ids(template)
    bucket = found["bucket"]

    assert own_statements(template, found["commit"]) == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": [under(bucket, "/_runs/*"), under(bucket, "/_manifests/*")],
        },
        {
            "Action": "s3:PutObject",
            "Effect": "Allow",
            "Resource": [under(bucket, "/_manifests/*"), under(bucket, "/_symlinks/*")],
        },
        {
            "Action": "s3:DeleteObject",
            "Effect": "Allow",
            "Resource": [under(bucket, "/utterances/*"), under(bucket, "/_runs/*")],
        },
        # Listing without a prefix condition: a missing manifest must be a 404, not a 403 (see file_exporter.py)
        {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": get_att(bucket)},
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Condition": via("s3"),
            "Effect": "Allow",
            "Resource": get_att(found["key"]),
        },
    ]


def test_api_reads_manifests_and_files_starts_and_describes_runs_and_cannot_write(default_synth):
    template = default_synth.template
    found = ids(template)
    bucket = found["bucket"]

    statements = own_statements(template, found["api"])

    assert statements == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": [under(bucket, "/_manifests/*"), under(bucket, "/utterances/*")],
        },
        {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": get_att(bucket)},
        {"Action": "kms:Decrypt", "Condition": via("s3"), "Effect": "Allow", "Resource": get_att(found["key"])},
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": found["state_machine"]}},
        {
            "Action": "states:DescribeExecution",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":states:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":execution:",
                        get_att(found["state_machine"], "Name"),
                        ":*",
                    ],
                ]
            },
        },
    ]
    granted = {a for s in statements for a in actions(s)}
    assert not {a for a in granted if a.startswith("s3:") and not a.startswith(("s3:Get", "s3:List"))}
    assert "kms:GenerateDataKey" not in granted


def test_only_the_exporter_roles_touch_the_feed_bucket(full_synth):
    template = full_synth.template
    found = ids(template)
    bucket = found["bucket"]
    expected = {
        resources(template, "AWS::Lambda::Function")[found[step]]["Properties"]["Role"]["Fn::GetAtt"][0]
        for step in ("hour", "commit", "api")
    }

    touching = {
        role["Ref"]
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if f'"{bucket}"' in json.dumps(statement["Resource"])
        for role in policy["Properties"]["Roles"]
    }

    assert touching == expected


def test_only_export_hour_may_query_the_export_index(full_synth):
    """The API function's table grant covers index/* (acknowledged); nobody else names the index."""
    template = full_synth.template
    found = ids(template)
    hour_role = resources(template, "AWS::Lambda::Function")[found["hour"]]["Properties"]["Role"]["Fn::GetAtt"][0]

    naming = {
        role["Ref"]
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "/index/byExportSlot" in json.dumps(statement["Resource"])
        for role in policy["Properties"]["Roles"]
    }

    assert naming == {hour_role}


# ---------------------------------------------------------------- API routes


def method_paths(template: Template) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> method properties, for every method of the RestApi."""
    api_resources = resources(template, "AWS::ApiGateway::Resource")
    found = {}
    for method in resources(template, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        path, ref = [], props["ResourceId"]
        while "Ref" in ref:
            resource = api_resources[ref["Ref"]]["Properties"]
            path.insert(0, resource["PathPart"])
            ref = resource["ParentId"]
        found[(props["HttpMethod"], "/" + "/".join(path))] = props
    return found


@pytest.mark.parametrize("variant", ["default", "full"])
def test_api_routes_are_aws_iam_even_in_api_secret_mode(variant, default_synth, full_synth):
    chosen = {"default": default_synth, "full": full_synth}[variant]
    template = chosen.template
    api_fn = ids(template)["api"]
    methods = method_paths(template)

    assert len(FILE_EXPORTER_PATHS) == 9
    for route in FILE_EXPORTER_PATHS:
        props = methods[route]
        assert props["AuthorizationType"] == "AWS_IAM"
        assert "AuthorizerId" not in props
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert api_fn in json.dumps(props["Integration"]["Uri"])
    if variant == "full":
        assert chosen.config.api_auth.value == "api_secret"
        assert {p["AuthorizationType"] for r, p in methods.items() if r not in FILE_EXPORTER_PATHS} == {"CUSTOM"}


def test_api_gateway_may_invoke_the_function_for_each_route(default_synth):
    template = default_synth.template
    api_fn = ids(template)["api"]
    source_arns = [
        render(p["Properties"]["SourceArn"])
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == get_att(api_fn)
    ]

    for method, path in FILE_EXPORTER_PATHS:
        assert any(arn.endswith(f"/{method}{path.replace('{exportId}', '*')}") for arn in source_arns), path


def test_infra_routes_are_the_runtime_routes():
    """Each route API Gateway forwards is one the function's resolver serves (and a made-up one is not)."""
    from connect_transcribe.api.feed_routes import build_feed_app

    class Reached(Exception):
        pass

    def service():
        raise Reached

    app = build_feed_app(service, lambda: 16_384)

    def answer(method: str, path: str) -> str:
        event = {
            "httpMethod": method,
            "path": path.replace("{exportId}", "run-1"),
            "resource": path,
            "headers": {"content-type": "application/json"},
            "body": "{}",
            "isBase64Encoded": False,
            "queryStringParameters": None,
            "pathParameters": {"exportId": "run-1"} if "{exportId}" in path else None,
            "requestContext": {"requestId": "r-1", "stage": "prod", "resourcePath": path, "httpMethod": method},
        }
        return app.resolve(event, None)["body"]

    assert "no route" in answer("POST", "/fileexporter/v1/static/listfeedz")
    for method, path in FILE_EXPORTER_PATHS:
        assert "no route" not in answer(method, path), (method, path)


# ---------------------------------------------------------------- alarms and outputs


def test_failed_timed_out_and_unstarted_runs_alarm(default_synth):
    template = default_synth.template
    found = ids(template)
    topic = {"Ref": logical_id(template, "AWS::SNS::Topic", "Monitoring")}
    alarms = {
        i[len("Monitoring") : -8]: a["Properties"] for i, a in resources(template, "AWS::CloudWatch::Alarm").items()
    }
    rule_id = logical_id(template, "AWS::Events::Rule", "FileExporterSchedule")

    expected = {
        "ExportRunsFailed": ("AWS/States", "ExecutionsFailed", "StateMachineArn", {"Ref": found["state_machine"]}),
        "ExportRunsTimedOut": ("AWS/States", "ExecutionsTimedOut", "StateMachineArn", {"Ref": found["state_machine"]}),
        "ExportScheduleFailed": ("AWS/Events", "FailedInvocations", "RuleName", {"Ref": rule_id}),
    }
    for name, (namespace, metric, dimension, value) in expected.items():
        props = alarms[name]
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (namespace, metric, "Sum")
        assert props["Dimensions"] == [{"Name": dimension, "Value": value}]
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        assert (props["AlarmActions"], props["TreatMissingData"]) == ([topic], "notBreaching")


def test_outputs_name_the_bucket_state_machine_database_and_workgroup(default_synth):
    template = default_synth.template
    found = ids(template)
    outputs = template.find_outputs("*")

    assert outputs["FeedBucketName"]["Value"] == {"Ref": found["bucket"]}
    assert outputs["ExportStateMachineArn"]["Value"] == {"Ref": found["state_machine"]}
    assert outputs["GlueDatabaseName"]["Value"] == {"Ref": logical_id(template, "AWS::Glue::Database", "FeedCatalog")}
    assert outputs["AthenaWorkGroupName"]["Value"] == {
        "Ref": logical_id(template, "AWS::Athena::WorkGroup", "FeedCatalog")
    }

"""Failed-partition reload sensor and notifier, on a real Dagster instance, a real HTTP server (Slack
webhook) and the moto server (SNS -> SQS)."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import dagster as dg
import pytest

from resources.notifier import NotificationError, Notifier
from sensors.reload import ATTEMPT_TAG, ORIGIN_TAG, RANGE_END_TAG, RANGE_START_TAG, build_reload_sensor

MINUTE = 60.0
# The tiny test asset uses a single-run backfill policy, as every partitioned platform asset does.
pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning")


# ---------------------------------------------------------------------------------------------------------
# A Slack-like webhook on 127.0.0.1 that records what it receives
# ---------------------------------------------------------------------------------------------------------
class Webhook:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append({"path": self.path, "json": json.loads(body)})
                self.send_response(hook.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.secret_path = f"/services/T000/B000/{uuid.uuid4().hex}"
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.secret_path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


# ---------------------------------------------------------------------------------------------------------
# A tiny partitioned asset job that fails while a flag file exists
# ---------------------------------------------------------------------------------------------------------
def tiny_definitions(flag: Path, notifier: Notifier, clock, **policy) -> dg.Definitions:
    @dg.asset(
        partitions_def=dg.DailyPartitionsDefinition(start_date="2025-01-01"),
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="tiny",
    )
    def tiny(context: dg.AssetExecutionContext) -> None:
        if flag.exists():
            detail = flag.read_text()  # empty unless a test wants more in the error
            raise RuntimeError(
                f"tiny failed for {context.partition_key_range.start}..{context.partition_key_range.end}{detail}"
            )

    @dg.asset(
        partitions_def=dg.DailyPartitionsDefinition(start_date="2025-01-01"),
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="tiny",
        deps=[tiny],
    )
    def tiny_downstream() -> None:
        pass

    @dg.asset_check(asset=tiny)
    def tiny_ok() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    job = dg.define_asset_job(
        "tiny_job", selection=dg.AssetSelection.groups("tiny"), tags={"omnilake/domain": "tiny"}
    )
    sensor = build_reload_sensor([job], clock=clock, **policy)
    return dg.Definitions(
        assets=[tiny, tiny_downstream],
        asset_checks=[tiny_ok],
        jobs=[job],
        sensors=[sensor],
        resources={"notifier": notifier},
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as inst:
        yield inst


def run(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    request: dg.RunRequest | None = None,
    selection=None,
    **tags,
):
    """Execute tiny_job as the daemon would launch a request (or with the given partition-range tags)."""
    job = defs.resolve_job_def("tiny_job")
    if request is None:
        return job.execute_in_process(
            instance=instance, tags=tags, asset_selection=selection, raise_on_error=False
        )
    return job.execute_in_process(
        instance=instance,
        tags=request.tags,
        run_config=request.run_config or None,
        partition_key=request.partition_key,
        asset_selection=request.asset_selection,
        raise_on_error=False,
    )


def tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    sensor = defs.resolve_sensor_def("omnilake_failed_partition_reload")
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=defs.resources
    )
    return sensor(context)


def end_time(instance: dg.DagsterInstance, run_id: str) -> float:
    (record,) = instance.get_run_records(filters=dg.RunsFilter(run_ids=[run_id]))
    return record.end_time


# ---------------------------------------------------------------------------------------------------------
# The sensor
# ---------------------------------------------------------------------------------------------------------
def test_failed_range_is_reloaded_with_backoff_then_notified_once(tmp_path, instance, webhook):
    flag = tmp_path / "fail"
    flag.touch()
    clock = Clock()
    notifier = Notifier(channel="slack", slack_webhook_url=webhook.url)
    defs = tiny_definitions(flag, notifier, clock, max_attempts=2, backoff_minutes=5)

    first = run(defs, instance, **{RANGE_START_TAG: "2025-01-03", RANGE_END_TAG: "2025-01-05"})
    assert not first.success
    failed_at = end_time(instance, first.run_id)

    # Backoff: nothing before 5 minutes x 2^0 after the failure.
    clock.now = failed_at + 4.9 * MINUTE
    result = tick(defs, instance, None)
    assert not result.run_requests and "reload 1 due in" in result.skip_reason.skip_message

    clock.now = failed_at + 5 * MINUTE
    result = tick(defs, instance, result.cursor)
    (request,) = result.run_requests
    assert request.job_name == "tiny_job"
    assert request.tags[RANGE_START_TAG] == "2025-01-03" and request.tags[RANGE_END_TAG] == "2025-01-05"
    assert request.tags[ATTEMPT_TAG] == "1" and request.tags[ORIGIN_TAG] == first.run_id
    assert request.tags["omnilake/domain"] == "tiny"
    assert request.run_key == f"omnilake-reload:{first.run_id}"
    # The same tick again requests the same run key (the daemon launches a run key once).
    assert [r.run_key for r in tick(defs, instance, result.cursor).run_requests] == [request.run_key]

    second = run(defs, instance, request)
    assert not second.success
    reloaded = instance.get_run_by_id(second.run_id)
    assert reloaded.tags[RANGE_START_TAG] == "2025-01-03" and reloaded.tags[ATTEMPT_TAG] == "1"
    second_failed_at = end_time(instance, second.run_id)

    # The original failure is superseded; the reload's failure waits 5 x 2^1 minutes.
    clock.now = second_failed_at + 9.9 * MINUTE
    result = tick(defs, instance, result.cursor)
    assert not result.run_requests and "reload 2 due in" in result.skip_reason.skip_message
    clock.now = second_failed_at + 10 * MINUTE
    result = tick(defs, instance, result.cursor)
    (request,) = result.run_requests
    assert request.tags[ATTEMPT_TAG] == "2" and request.tags[ORIGIN_TAG] == first.run_id
    assert webhook.received == []

    third = run(defs, instance, request)
    assert not third.success

    # The last attempt failed: no more reloads, one notification, however many ticks follow.
    clock.now = end_time(instance, third.run_id) + 60 * MINUTE
    cursor = result.cursor
    for _ in range(3):
        result = tick(defs, instance, cursor)
        assert not result.run_requests
        cursor = result.cursor
    assert len(webhook.received) == 1
    text = webhook.received[0]["json"]["text"]
    assert webhook.received[0]["path"] == webhook.secret_path
    assert "tiny_job [2025-01-03..2025-01-05] still failing after 2 automatic reload(s)" in text
    assert f"original run: {first.run_id}" in text and f"last failed run: {third.run_id}" in text
    assert "error: tiny: RuntimeError: tiny failed for 2025-01-03..2025-01-05" in text, text


def test_a_successful_reload_ends_it(tmp_path, instance, webhook):
    flag = tmp_path / "fail"
    flag.touch()
    clock = Clock()
    defs = tiny_definitions(
        flag,
        Notifier(channel="slack", slack_webhook_url=webhook.url),
        clock,
        max_attempts=3,
        backoff_minutes=1,
    )
    first = run(defs, instance, **{"dagster/partition": "2025-01-07"})
    assert not first.success
    clock.now = end_time(instance, first.run_id) + MINUTE
    (request,) = tick(defs, instance, None).run_requests
    assert request.partition_key == "2025-01-07" and request.tags[ATTEMPT_TAG] == "1"

    flag.unlink()  # the cause is fixed (e.g. a late file arrived)
    assert run(defs, instance, request).success
    assert (
        instance.get_run_by_id(instance.get_runs(limit=1)[0].run_id).tags["dagster/partition"] == "2025-01-07"
    )
    clock.now += 24 * 60 * MINUTE
    result = tick(defs, instance, None)
    assert not result.run_requests and result.skip_reason.skip_message == "no failed runs to reload"
    assert webhook.received == []


def test_a_subset_run_is_reloaded_with_its_selection(tmp_path, instance, webhook):
    flag = tmp_path / "fail"
    flag.touch()
    clock = Clock()
    defs = tiny_definitions(
        flag,
        Notifier(channel="slack", slack_webhook_url=webhook.url),
        clock,
        max_attempts=1,
        backoff_minutes=1,
    )
    failed = run(defs, instance, selection=[dg.AssetKey("tiny")], **{"dagster/partition": "2025-01-09"})
    assert not failed.success
    assert instance.get_run_by_id(failed.run_id).asset_selection == {dg.AssetKey("tiny")}
    clock.now = end_time(instance, failed.run_id) + MINUTE
    (request,) = tick(defs, instance, None).run_requests
    assert request.asset_selection == [dg.AssetKey("tiny")]
    flag.unlink()
    reloaded = run(defs, instance, request)
    assert reloaded.success
    assert instance.get_run_by_id(reloaded.run_id).asset_selection == {dg.AssetKey("tiny")}
    # Only the selected asset ran again, with its check.
    materialized = {e.asset_key for e in reloaded.get_asset_materialization_events()}
    assert materialized == {dg.AssetKey("tiny")}
    assert [e.asset_check_key.name for e in reloaded.get_asset_check_evaluations()] == ["tiny_ok"]


def test_zero_attempts_notifies_at_once_and_a_failed_delivery_is_retried(tmp_path, instance, webhook):
    flag = tmp_path / "fail"
    flag.touch()
    clock = Clock()
    defs = tiny_definitions(
        flag,
        Notifier(channel="slack", slack_webhook_url=webhook.url),
        clock,
        max_attempts=0,
        backoff_minutes=5,
    )
    failed = run(defs, instance, **{RANGE_START_TAG: "2025-02-01", RANGE_END_TAG: "2025-02-02"})
    clock.now = end_time(instance, failed.run_id)

    webhook.status = 500  # Slack is down: the tick logs it and does not remember the notification
    result = tick(defs, instance, None)
    assert not result.run_requests and len(webhook.received) == 1
    webhook.status = 200
    result = tick(defs, instance, result.cursor)
    result = tick(defs, instance, result.cursor)
    assert len(webhook.received) == 2  # delivered on the retry, then never again
    assert "after 0 automatic reload(s)" in webhook.received[-1]["json"]["text"]


def test_a_password_in_the_error_never_reaches_the_notification(tmp_path, instance, webhook):
    flag = tmp_path / "fail"
    flag.write_text(": could not connect to postgresql+psycopg://omni:s3cret-pw@db:5432/warehouse")
    clock = Clock()
    defs = tiny_definitions(
        flag,
        Notifier(channel="slack", slack_webhook_url=webhook.url),
        clock,
        max_attempts=0,
        backoff_minutes=5,
    )
    failed = run(defs, instance, **{RANGE_START_TAG: "2025-02-01", RANGE_END_TAG: "2025-02-01"})
    clock.now = end_time(instance, failed.run_id)
    tick(defs, instance, None)
    (text,) = [r["json"]["text"] for r in webhook.received]
    assert "postgresql+psycopg://omni:***@db:5432/warehouse" in text and "s3cret-pw" not in text


def test_settings_drive_the_policy(tmp_path, instance, webhook, monkeypatch):
    monkeypatch.setenv("OMNILAKE_RELOAD_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("OMNILAKE_RELOAD_BACKOFF_MINUTES", "30")
    flag = tmp_path / "fail"
    flag.touch()
    clock = Clock()
    defs = tiny_definitions(flag, Notifier(channel="slack", slack_webhook_url=webhook.url), clock)
    first = run(defs, instance, **{"dagster/partition": "2025-03-01"})
    clock.now = end_time(instance, first.run_id) + 29 * MINUTE
    assert not tick(defs, instance, None).run_requests
    clock.now += MINUTE
    (request,) = tick(defs, instance, None).run_requests
    run(defs, instance, request)
    clock.now += 120 * MINUTE
    tick(defs, instance, None)
    assert len(webhook.received) == 1 and "after 1 automatic reload(s)" in webhook.received[0]["json"]["text"]


# ---------------------------------------------------------------------------------------------------------
# The notifier's channels
# ---------------------------------------------------------------------------------------------------------
def test_slack_webhook_from_an_env_var_is_never_shown(webhook, monkeypatch, caplog):
    monkeypatch.setenv("OMNILAKE_SLACK_WEBHOOK_URL", webhook.url)
    notifier = Notifier(channel="slack", slack_webhook_url=dg.EnvVar("OMNILAKE_SLACK_WEBHOOK_URL"))
    with dg.build_resources({"notifier": notifier}) as resources:
        resources.notifier.notify("subject line", "body\nsecond line")
        assert webhook.received[-1]["json"] == {"text": "*subject line*\nbody\nsecond line"}
        webhook.status = 404
        with pytest.raises(NotificationError, match="HTTP 404") as exc:
            resources.notifier.notify("again", "body")
    assert webhook.secret_path not in str(exc.value)
    assert webhook.secret_path not in caplog.text


def test_slack_unreachable_names_no_url(monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    notifier = Notifier(channel="slack", slack_webhook_url=f"http://127.0.0.1:{port}/services/secret-token")
    with pytest.raises(NotificationError, match="could not be reached") as exc:
        notifier.notify("s", "m")
    assert "secret-token" not in str(exc.value)


def test_sns_topic_delivers_to_a_subscribed_queue(s3_endpoint):
    import boto3

    sns = boto3.client("sns", endpoint_url=s3_endpoint, region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=s3_endpoint, region_name="us-east-1")
    topic = sns.create_topic(Name=f"omnilake-alerts-{uuid.uuid4().hex[:8]}")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"alerts-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    notifier = Notifier(channel="sns", sns_topic_arn=topic, endpoint_url=s3_endpoint)
    long_subject = (
        "omnilake: restaurants_job [2025-01-01..2025-01-31] still failing\nafter 3 automatic reload(s) "
        + "x" * 80
    )
    notifier.notify(long_subject, "job: restaurants_job\nerror: boom")

    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get(
        "Messages", []
    )
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["TopicArn"] == topic
    assert len(envelope["Subject"]) <= 100 and "\n" not in envelope["Subject"]
    assert envelope["Subject"].startswith(
        "omnilake: restaurants_job [2025-01-01..2025-01-31] still failing after 3"
    )
    assert envelope["Message"].endswith("job: restaurants_job\nerror: boom")


def test_sns_errors_are_notification_errors(s3_endpoint):
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    with pytest.raises(NotificationError, match="SNS publish to .*no-such-topic failed"):
        Notifier(channel="sns", sns_topic_arn=missing, endpoint_url=s3_endpoint).notify("s", "m")
    with pytest.raises(NotificationError, match="not an SNS topic ARN"):
        Notifier(channel="sns", sns_topic_arn="arn:aws:sqs:us-east-1:1:q", endpoint_url=s3_endpoint).notify(
            "s", "m"
        )
    with pytest.raises(NotificationError, match="needs sns_topic_arn"):
        Notifier(channel="sns").notify("s", "m")


def test_log_channel_logs(caplog):
    import logging

    with caplog.at_level(logging.WARNING):
        Notifier().notify("the subject", "the message")
    assert "notification (log): the subject" in caplog.text and "the message" in caplog.text


def test_platform_definitions_reload_every_domain_job(monkeypatch, webhook):
    from platform_assets.definitions import build_definitions, resources_from_env
    from platform_assets.domains import DOMAINS
    from resources.notifier import notifier_from_env

    defs = build_definitions()
    sensor = defs.resolve_sensor_def("omnilake_failed_partition_reload")
    watched = {j.name for j in sensor.jobs}
    assert {f"{d}_job" for d in DOMAINS} <= watched
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert resources_from_env()["notifier"].channel in ("log", "sns", "slack")

    for name in ("OMNILAKE_SLACK_WEBHOOK_URL", "OMNILAKE_NOTIFY_SNS_TOPIC_ARN"):
        monkeypatch.delenv(name, raising=False)
    assert notifier_from_env().channel == "log"
    monkeypatch.setenv("OMNILAKE_NOTIFY_SNS_TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:alerts")
    assert notifier_from_env().sns_topic_arn == "arn:aws:sns:eu-west-1:123456789012:alerts"
    monkeypatch.setenv("OMNILAKE_SLACK_WEBHOOK_URL", webhook.url)
    notifier = notifier_from_env()
    # The webhook stays an EnvVar (resolved when the resource is built, never a plain config value).
    assert notifier.channel == "slack" and isinstance(notifier.slack_webhook_url, dg.EnvVar)
    with dg.build_resources({"notifier": notifier}) as resources:
        resources.notifier.notify("from env", "ok")
    assert webhook.received[-1]["json"]["text"] == "*from env*\nok"

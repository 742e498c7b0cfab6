"""The notifier: where operational alerts go (the log, an SNS topic or a Slack incoming webhook).

`resources_from_env()` configures it from the settings: a Slack webhook when `OMNILAKE_SLACK_WEBHOOK_URL`
is set (read with `dagster.EnvVar`: the URL is a secret and is never logged), else an SNS topic when
`OMNILAKE_NOTIFY_SNS_TOPIC_ARN` is set, else the log. Every notification is also logged (subject only).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Literal, Optional

import dagster as dg

# SNS rejects subjects over 100 characters or with line breaks.
SNS_SUBJECT_MAX = 100
TIMEOUT_SECONDS = 10


class NotificationError(RuntimeError):
    """A notification could not be delivered (the message says why, never the webhook URL)."""


class Notifier(dg.ConfigurableResource):
    """Send operational notifications: `channel` log (default), sns (`sns_topic_arn`) or slack
    (`slack_webhook_url`, a secret: pass it as `dagster.EnvVar`). `endpoint_url` is a custom AWS endpoint
    (tests use a local moto server)."""

    channel: Literal["log", "sns", "slack"] = "log"
    sns_topic_arn: Optional[str] = None
    slack_webhook_url: Optional[str] = None
    endpoint_url: Optional[str] = None

    @property
    def _log(self) -> logging.Logger:
        return dg.get_dagster_logger("omnilake.notifier")

    def notify(self, subject: str, message: str) -> None:
        """Deliver one notification; raises NotificationError when the channel does not accept it."""
        self._log.warning(f"notification ({self.channel}): {subject}")
        if self.channel == "log":
            self._log.warning(message)
        elif self.channel == "sns":
            self._sns(subject, message)
        elif self.channel == "slack":
            self._slack(subject, message)

    def _sns(self, subject: str, message: str) -> None:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.sns_topic_arn:
            raise NotificationError("the sns channel needs sns_topic_arn (OMNILAKE_NOTIFY_SNS_TOPIC_ARN)")
        parts = self.sns_topic_arn.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            raise NotificationError(f"{self.sns_topic_arn!r} is not an SNS topic ARN")
        client = boto3.client("sns", region_name=parts[3], endpoint_url=self.endpoint_url)
        clean = " ".join(subject.split())
        short = clean if len(clean) <= SNS_SUBJECT_MAX else clean[: SNS_SUBJECT_MAX - 3] + "..."
        try:
            client.publish(TopicArn=self.sns_topic_arn, Subject=short, Message=f"{subject}\n\n{message}")
        except (BotoCoreError, ClientError) as exc:
            raise NotificationError(f"SNS publish to {self.sns_topic_arn} failed: {exc}") from None

    def _slack(self, subject: str, message: str) -> None:
        if not self.slack_webhook_url:
            raise NotificationError("the slack channel needs slack_webhook_url (OMNILAKE_SLACK_WEBHOOK_URL)")
        body = json.dumps({"text": f"*{subject}*\n{message}"}).encode()
        request = urllib.request.Request(
            self.slack_webhook_url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        # Errors name the status or the network reason only: the webhook URL is a credential.
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise NotificationError(f"the Slack webhook answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NotificationError(
                f"the Slack webhook could not be reached: {type(reason).__name__}"
            ) from None
        if not 200 <= status < 300:
            raise NotificationError(f"the Slack webhook answered HTTP {status}")


def notifier_from_env() -> Notifier:
    """The notifier the settings describe (see the module doc); the webhook URL stays a dagster.EnvVar."""
    from platform_assets import settings

    channel = settings.notify_channel()
    if channel == "slack":
        return Notifier(channel="slack", slack_webhook_url=dg.EnvVar("OMNILAKE_SLACK_WEBHOOK_URL"))
    if channel == "sns":
        return Notifier(
            channel="sns",
            sns_topic_arn=settings.notify_sns_topic_arn(),
            endpoint_url=settings.aws_endpoint_url(),
        )
    return Notifier()

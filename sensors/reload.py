"""Failed-partition reload: re-launch a failed run's partition range, with bounded attempts and backoff,
and notify once when the last attempt has failed too (spec: restaurants.md, Schedule and reload).

Each tick reads the instance's failed runs of the monitored jobs (within `lookback_hours`) and decides,
for the latest run of each (job, partition range) only:
- an older run whose partitions were run again since (by a reload, the schedule or a person) is left alone;
- attempt n < max_attempts (n = the run's `omnilake/reload_attempt` tag, 0 for the original run): once
  `backoff_minutes x 2^n` have passed since it failed, request the same job, partition range, asset
  selection and run config again with attempt n + 1 (`omnilake/reload_of` names the original run; the
  run key makes the request idempotent);
- attempt n = max_attempts: notify through the `notifier` resource, once (the cursor remembers it).
Reloading is safe because every write replaces its partitions atomically (write-audit-publish).
The decision is a plain function (`plan_reloads`) of the instance and the clock, so tests drive it directly.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional, Sequence

import dagster as dg

from platform_assets import settings
from platform_assets.core.conventions import RANGE_END_TAG, RANGE_START_TAG
from resources.notifier import NotificationError, Notifier

ATTEMPT_TAG = "omnilake/reload_attempt"
ORIGIN_TAG = "omnilake/reload_of"
PARTITION_TAG = "dagster/partition"
PARTITION_TAGS = (PARTITION_TAG, RANGE_START_TAG, RANGE_END_TAG)
RUN_KEY_PREFIX = "omnilake-reload"
CURSOR_VERSION = 1
MAX_ERROR_CHARS = 1000
# user:password@ in any URL of an error text (a database URL in a connection error, say): the notification
# leaves the platform (Slack, SNS), so the password never travels with it.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^\s:/@]*:)[^\s@]+@")


@dataclass(frozen=True)
class ReloadPolicy:
    max_attempts: int
    backoff_minutes: float
    lookback_hours: float = 48.0

    def due_at(self, failed_at: float, attempt: int) -> float:
        """When the reload after a failure of attempt `attempt` (0 = the original run) may start."""
        return failed_at + self.backoff_minutes * 60.0 * (2**attempt)


@dataclass
class Notification:
    run_id: str
    subject: str
    message: str


@dataclass
class ReloadPlan:
    """What one tick does: runs to request, notifications to send, and why other failures wait."""

    requests: list[dg.RunRequest] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def partitions_label(tags: dict) -> str:
    if RANGE_START_TAG in tags:
        start, end = tags[RANGE_START_TAG], tags.get(RANGE_END_TAG, tags[RANGE_START_TAG])
        return start if start == end else f"{start}..{end}"
    return tags.get(PARTITION_TAG, "(unpartitioned)")


def _reload_tags(run: dg.DagsterRun, attempt: int) -> dict[str, str]:
    """The failed run's own tags (domain, source...) and its range, without Dagster's per-run tags."""
    tags = {
        k: v
        for k, v in run.tags.items()
        if not k.startswith(("dagster/", ".dagster")) or k in (RANGE_START_TAG, RANGE_END_TAG)
    }
    tags[ATTEMPT_TAG] = str(attempt)
    tags[ORIGIN_TAG] = run.tags.get(ORIGIN_TAG, run.run_id)
    return tags


def _error_of(instance: dg.DagsterInstance, run_id: str) -> str:
    """The first step failure's message (or the run failure's), for the notification."""
    for event_type in (dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE):
        for record in instance.all_logs(run_id, of_type=event_type):
            event = record.dagster_event
            error = getattr(event.event_specific_data, "error", None) if event else None
            # Dagster wraps the user's exception ("Error occurred while executing op"): report the root cause.
            while error is not None and error.cause is not None:
                error = error.cause
            text = (error.message if error else None) or record.message or ""
            if text.strip():
                step = f"{event.step_key}: " if event is not None and event.step_key else ""
                return _URL_PASSWORD.sub(r"\g<head>***@", step + text.strip())[:MAX_ERROR_CHARS]
    return "(no error message recorded)"


def plan_reloads(
    instance: dg.DagsterInstance,
    job_names: Sequence[str],
    policy: ReloadPolicy,
    now: float,
    notified: set[str],
) -> ReloadPlan:
    """Decide the reloads and notifications for the failed runs of `job_names` (see the module doc)."""
    plan = ReloadPlan()
    since = datetime.fromtimestamp(now - policy.lookback_hours * 3600, tz=timezone.utc)
    failed = instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE], updated_after=since)
    )
    for record in failed:
        run = record.dagster_run
        if run.job_name not in job_names:
            continue
        key_tags = {k: run.tags[k] for k in PARTITION_TAGS if k in run.tags}
        later = instance.get_run_records(
            filters=dg.RunsFilter(
                job_name=run.job_name,
                tags=key_tags or None,
                created_after=record.create_timestamp - timedelta(microseconds=1),
            ),
            limit=10,
        )
        if any(
            r.dagster_run.run_id != run.run_id and r.create_timestamp >= record.create_timestamp
            for r in later
        ):
            continue  # superseded: a later run of the same partitions is in charge
        attempt = int(run.tags.get(ATTEMPT_TAG, "0") or 0)
        label = f"{run.job_name} [{partitions_label(run.tags)}]"
        if attempt >= policy.max_attempts:
            if run.run_id not in notified:
                origin = run.tags.get(ORIGIN_TAG, run.run_id)
                plan.notifications.append(
                    Notification(
                        run_id=run.run_id,
                        subject=f"omnilake: {label} still failing after {attempt} automatic reload(s)",
                        message="\n".join(
                            [
                                f"job: {run.job_name}",
                                f"partitions: {partitions_label(run.tags)}",
                                f"last failed run: {run.run_id}",
                                f"original run: {origin}",
                                f"automatic reloads: {attempt} of {policy.max_attempts}",
                                f"error: {_error_of(instance, run.run_id)}",
                                "Fix the cause, then re-run these partitions (omnilake run or the Dagster UI).",
                            ]
                        ),
                    )
                )
            continue
        failed_at = record.end_time or record.update_timestamp.timestamp()
        due = policy.due_at(failed_at, attempt)
        if now < due:
            plan.waiting.append(f"{label}: reload {attempt + 1} due in {int(due - now)}s (run {run.run_id})")
            continue
        plan.requests.append(
            dg.RunRequest(
                run_key=f"{RUN_KEY_PREFIX}:{run.run_id}",
                job_name=run.job_name,
                run_config=dict(run.run_config or {}),
                tags=_reload_tags(run, attempt + 1),
                partition_key=run.tags.get(PARTITION_TAG),
                asset_selection=sorted(run.asset_selection, key=lambda k: k.to_user_string())
                if run.asset_selection
                else None,
                asset_check_keys=sorted(run.asset_check_selection, key=lambda k: k.to_user_string())
                if run.asset_check_selection
                else None,
            )
        )
    return plan


def _load_notified(cursor: Optional[str]) -> dict[str, float]:
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    return (
        dict(data.get("notified", {})) if isinstance(data, dict) and data.get("v") == CURSOR_VERSION else {}
    )


def build_reload_sensor(
    jobs: Sequence,
    *,
    name: str = "omnilake_failed_partition_reload",
    max_attempts: Optional[int] = None,
    backoff_minutes: Optional[float] = None,
    lookback_hours: float = 48.0,
    minimum_interval_seconds: int = 60,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
    clock: Callable[[], float] = time.time,
) -> dg.SensorDefinition:
    """A sensor reloading failed partition ranges of `jobs` and notifying persistent failures.

    `max_attempts` and `backoff_minutes` default to OMNILAKE_RELOAD_MAX_ATTEMPTS and
    OMNILAKE_RELOAD_BACKOFF_MINUTES, read at every tick. It needs the `notifier` resource.
    """
    job_names = tuple(j.name for j in jobs)

    @dg.sensor(
        name=name,
        jobs=list(jobs),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            "Reloads the partition range of a failed run (bounded attempts, exponential backoff) and notifies "
            "once when the last attempt fails too."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext, notifier: Notifier) -> dg.SensorResult:
        policy = ReloadPolicy(
            max_attempts=settings.reload_max_attempts() if max_attempts is None else max_attempts,
            backoff_minutes=settings.reload_backoff_minutes() if backoff_minutes is None else backoff_minutes,
            lookback_hours=lookback_hours,
        )
        now = clock()
        notified = _load_notified(context.cursor)
        plan = plan_reloads(context.instance, job_names, policy, now, set(notified))
        for line in plan.waiting:
            context.log.info(line)
        for request in plan.requests:
            context.log.warning(
                f"reloading {request.job_name} [{partitions_label(request.tags)}]: attempt "
                f"{request.tags[ATTEMPT_TAG]} of {policy.max_attempts}"
            )
        for note in plan.notifications:
            try:
                notifier.notify(note.subject, note.message)
            except NotificationError as exc:
                # Not remembered: the next tick tries again.
                context.log.error(f"could not notify about run {note.run_id}: {exc}")
                continue
            notified[note.run_id] = now
        horizon = now - lookback_hours * 3600
        cursor = json.dumps(
            {"v": CURSOR_VERSION, "notified": {k: v for k, v in sorted(notified.items()) if v >= horizon}},
            separators=(",", ":"),
        )
        skip = None
        if not plan.requests:
            skip = "; ".join(plan.waiting) or "no failed runs to reload"
        return dg.SensorResult(run_requests=plan.requests, cursor=cursor, skip_reason=skip)

    return _sensor

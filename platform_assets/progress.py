"""A quiet console for `omnilake run` and `omnilake demo`: one line per finished step, nothing else.

A Dagster logger (selected in the run config by the CLI) that prints step outcomes from the run's events;
`--verbose` adds Dagster's own console logger and the engines' logs.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

LOGGER = "omnilake_progress"


class _StepLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        event = meta.get("dagster_event") if isinstance(meta, dict) else None
        if event is None or not event.step_key:
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            return
        if kind not in ("STEP_SUCCESS", "STEP_FAILURE"):
            return
        took = time.monotonic() - self.started.pop(step, time.monotonic())
        mark = "ok" if kind == "STEP_SUCCESS" else "FAILED"
        print(f"  {mark:<6} {step.replace('__', '/')} ({took:.1f}s)", file=sys.stdout, flush=True)


@dg.logger(description="One line per finished step (the omnilake CLI's console).")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(f"omnilake.progress.{id(init_context)}")
    logger.handlers = [_StepLines()]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


def run_config(verbose: bool) -> dict:
    """The loggers of a CLI run: progress lines, plus Dagster's console at INFO when verbose."""
    loggers: dict = {LOGGER: {}}
    if verbose:
        loggers["console"] = {"config": {"log_level": "INFO"}}
    return {"loggers": loggers}

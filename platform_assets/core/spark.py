"""The Spark session settings every mode shares (in-process, spark-submit, Glue, EMR)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

# Settings the transforms rely on, whatever launches Spark.
SESSION_CONF: dict[str, str] = {
    # Dates and the `dt` column are UTC business dates.
    "spark.sql.session.timeZone": "UTC",
    # delta-rs and Athena read INT64 microsecond timestamps; Spark's default INT96 is legacy.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # `dt` partition values stay strings when Spark discovers them from dt=YYYY-MM-DD paths.
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.parquet.compression.codec": "snappy",
    # No _SUCCESS markers in staging folders; the Delta log is the commit.
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.sql.ansi.enabled": "false",
}

# Settings for a laptop: small data, two cores, fast start.
LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    # A laptop run talks to itself only: bind the driver to loopback, not to the first network interface.
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "4g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.warehouse.dir": os.path.join(os.environ.get("TMPDIR", "/tmp"), "omnilake-spark-warehouse"),
    "spark.driver.extraJavaOptions": "-Dderby.system.home=/tmp/omnilake-derby",
}

_lock = threading.Lock()


def local_session(master: str = "local[2]", conf: dict[str, str] | None = None) -> "SparkSession":
    """The process's SparkSession, created on first use (one per run: the in-process executor shares it)."""
    from pyspark.sql import SparkSession

    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = SparkSession.builder.master(master).appName("omnilake")
        for key, value in {**SESSION_CONF, **LOCAL_CONF, **(conf or {})}.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        return spark


def submit_conf_args(conf: dict[str, str] | None = None) -> list[str]:
    """`--conf k=v` arguments for spark-submit with the same settings as the in-process session."""
    args: list[str] = []
    for key, value in {**SESSION_CONF, **LOCAL_CONF, **(conf or {})}.items():
        if key == "spark.driver.memory":
            args += ["--driver-memory", value]
        else:
            args += ["--conf", f"{key}={value}"]
    return args

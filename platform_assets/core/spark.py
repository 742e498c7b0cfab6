"""Spark sessions of every engine, and the few helpers that hide where the engines' APIs differ.

The transforms are PySpark DataFrame code at the Spark 3.5 floor (what Glue 5.1 and EMR 7 run) and never
know which engine runs them. The engines:
- Sail (`pysail`): a Rust engine serving the Spark Connect protocol, started once per process on
  127.0.0.1 (an ephemeral port) and stopped at exit; the embedded default.
- any Spark Connect server (`sc://host:port`): an EMR or Kubernetes Spark Connect server, a Sail cluster.
- classic Spark in process (`local[2]`): the parity reference, what spark-submit, Glue and EMR run.
A process holds Connect sessions or a classic one, never both: PySpark 3.5 decides which implementation
`pyspark.sql.functions` dispatches to from the process environment (`SPARK_CONNECT_MODE_ENABLED`).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

# Set by PySpark 3.5 once a Connect session exists; a child spark-submit that inherits it fails.
CONNECT_MODE_ENV = "SPARK_CONNECT_MODE_ENABLED"

# Settings the transforms rely on, whatever engine runs them.
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

# Classic Spark on a laptop: small data, two cores, fast start.
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
    "spark.driver.extraJavaOptions": (
        "-Dderby.system.home=/tmp/omnilake-derby "
        f"-Dlog4j2.configurationFile={os.path.join(os.path.dirname(__file__), 'log4j2.properties')}"
    ),
}

# Settings a Connect server may refuse from a client (they configure a JVM or a Hadoop job, not a session).
_SERVER_ONLY_PREFIXES = ("spark.hadoop.", "spark.driver.", "spark.executor.", "spark.ui.")

_lock = threading.Lock()
_sessions: dict[str, "SparkSession"] = {}
_sail_server: Any = None


def local_session(master: str = "local[2]", conf: dict[str, str] | None = None) -> "SparkSession":
    """The process's classic SparkSession, created on first use (every step of a run shares it)."""
    from pyspark.sql import SparkSession

    with _lock:
        if os.environ.get(CONNECT_MODE_ENV):
            raise RuntimeError(
                "this process already holds a Spark Connect session (OMNILAKE_SPARK=sail/connect): classic "
                "Spark cannot run beside it; run it in its own process (OMNILAKE_SPARK=local or subprocess)"
            )
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = SparkSession.builder.master(master).appName("omnilake")
        for key, value in {**SESSION_CONF, **LOCAL_CONF, **(conf or {})}.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        # The transforms never touch the SparkContext; this only quiets the JVM's console.
        spark.sparkContext.setLogLevel("ERROR")
        return spark


def sail_session(conf: dict[str, str] | None = None) -> "SparkSession":
    """A session on this process's Sail server (started on first use, on 127.0.0.1, stopped at exit)."""
    return connect_session(sail_url(), conf)


def sail_url() -> str:
    """`sc://127.0.0.1:<port>` of this process's Sail server, starting it on first use."""
    global _sail_server
    with _lock:
        if _sail_server is None:
            # Sail logs through Rust's env_logger: quiet unless the user asked for its logs.
            os.environ.setdefault("RUST_LOG", "error")
            from pysail.spark import SparkConnectServer

            server = SparkConnectServer("127.0.0.1", 0)
            server.start(background=True)
            atexit.register(_stop_sail)
            _sail_server = server
        host, port = _sail_server.listening_address
    return f"sc://{host}:{port}"


def _stop_sail() -> None:
    global _sail_server
    server, _sail_server = _sail_server, None
    if server is not None:
        for spark in list(_sessions.values()):
            try:
                spark.stop()
            except Exception:  # the server may already be gone at interpreter exit
                pass
        _sessions.clear()
        server.stop()


def connect_session(remote: str, conf: dict[str, str] | None = None) -> "SparkSession":
    """The process's session on the Spark Connect server at `remote` (created on first use)."""
    if not remote.startswith("sc://"):
        raise ValueError(f"a Spark Connect URL looks like sc://host:15002, got {remote!r}")
    with _lock:
        spark = _sessions.get(remote)
        if spark is not None:
            return spark
        if _classic_session_exists():
            raise RuntimeError(
                "this process already runs classic Spark (OMNILAKE_SPARK=local): a Spark Connect engine "
                "cannot run beside it; run it in its own process"
            )
        # PySpark 3.5 dispatches `pyspark.sql.functions` to the Connect implementation by this variable.
        os.environ[CONNECT_MODE_ENV] = "1"
        from pyspark.sql.connect.session import SparkSession as ConnectSession

        _lazy_plan_logging()

        builder = ConnectSession.builder.remote(remote)
        for key, value in {**SESSION_CONF, **(conf or {})}.items():
            if not key.startswith(_SERVER_ONLY_PREFIXES):
                builder = builder.config(key, value)
        # create(), not getOrCreate(): each server gets its own session (getOrCreate returns any default one).
        spark = builder.create()
        _sessions[remote] = spark
        return spark


def _lazy_plan_logging() -> None:
    """Format plans for the Connect client's log only when that log is on.

    The 3.5 client logs `f"... {self._proto_to_string(plan)}"` on every execution and every schema
    request, formatting the whole plan to text even though its logger is disabled: for the wide plans of
    the silver rules that is most of a step's time (fixed in later clients, which check the level first)."""
    from pyspark.sql.connect.client import core

    if getattr(core.SparkConnectClient._proto_to_string, "_omnilake_lazy", False):
        return
    eager = core.SparkConnectClient._proto_to_string

    def proto_to_string(self, p):
        if core.logger.disabled or not core.logger.isEnabledFor(logging.INFO):
            return "<plan: set SPARK_CONNECT_LOG_LEVEL=info to log it>"
        return eager(self, p)

    proto_to_string._omnilake_lazy = True
    core.SparkConnectClient._proto_to_string = proto_to_string


def _classic_session_exists() -> bool:
    import sys

    if "pyspark.sql.session" not in sys.modules:
        return False
    from pyspark.sql import SparkSession

    return SparkSession._instantiatedSession is not None


def is_connect(spark: "SparkSession") -> bool:
    """Whether `spark` is a Spark Connect session (Sail or a remote server) rather than classic Spark."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def count_rows(df: "DataFrame") -> int:
    """`df.count()` as a Python int (the Spark Connect 3.5 client returns a numpy.int64, which is neither
    `int` in metadata nor JSON-serialisable)."""
    return int(df.count())


def to_arrow(df: "DataFrame") -> "pa.Table":
    """The DataFrame's rows as an Arrow table, types kept (decimals, timestamps, nulls in integers).

    `DataFrame.toArrow` is Spark 4 only; on 3.5 both implementations have the Arrow path `toPandas`
    itself uses, which this calls."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(df.schema)
    if is_connect(df.sparkSession):
        table, _ = df.sparkSession.client.to_table(df._plan.to_proto(df.sparkSession.client))
    else:
        table = pa.Table.from_batches(df._collect_as_arrow(), schema=schema)
    return table.rename_columns(schema.names).cast(schema)


def arrow_to_spark(spark: "SparkSession", data: "pa.Table", scratch: str | None = None) -> "DataFrame":
    """An Arrow table as a DataFrame with the same schema on every engine (3.5 has no createDataFrame from
    Arrow: pandas carries the rows, the Spark schema derived from Arrow keeps the types).

    With `scratch` (a folder the engine can read), the rows go through a Parquet file there instead: a
    Spark Connect client sends createDataFrame's rows in one gRPC message, which a server refuses beyond
    its message size limit (a year of landing files is far beyond it)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = from_arrow_schema(data.schema, prefer_timestamp_ntz=False)
    if data.num_rows == 0:
        return spark.createDataFrame([], schema=schema)
    if scratch is not None:
        import uuid

        import pyarrow.parquet as pq

        os.makedirs(scratch, exist_ok=True)
        path = os.path.join(scratch, f"driver-{uuid.uuid4().hex}.parquet")
        pq.write_table(data, path)
        return spark.read.schema(schema).parquet(path)
    return spark.createDataFrame(data.to_pandas(), schema=schema)


# A spark-submit JVM lives for one step over small data: the client compiler and the serial collector
# spend less CPU starting it than C2 and G1 win back (measured: a small job 12.1 s -> 8.8 s). The
# in-process session lives for a whole run, where C2 pays off, so it keeps the JVM's defaults.
STEP_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def submit_conf_args(conf: dict[str, str] | None = None) -> list[str]:
    """`--conf k=v` arguments for spark-submit with the same settings as the in-process session."""
    args: list[str] = []
    for key, value in {**SESSION_CONF, **LOCAL_CONF, **(conf or {})}.items():
        if key == "spark.driver.extraJavaOptions" and not re.search(
            r"-XX:[+-]Use\w*GC|TieredStopAtLevel", value
        ):
            value = f"{STEP_JVM_OPTIONS} {value}"  # unless the user chose a collector or compiler
        if key == "spark.driver.memory":
            args += ["--driver-memory", value]
        else:
            args += ["--conf", f"{key}={value}"]
    return args

"""`omnilake aws package`: the job package Glue and EMR run, uploaded to S3 under a content hash.

The package is this project's wheel (pure Python, so importable from the zip itself: the same bytes are also
stored as `.zip`, the name Glue's `--extra-py-files` and spark-submit's `--py-files` put on the driver's and
executors' Python path), the generic entrypoint script, and `manifest.json` naming them plus the pinned
third-party requirements of a job. The folder is `<prefix>/<hash>/`, the hash covers the wheel's
contents (not its zip timestamps), the entrypoint and the requirements, so packaging the same code twice
uploads nothing and yields the same URI. `manifest.json` is written last: a folder without it is incomplete.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Any

from platform_assets.core.storage import enforce_sse_kms
from resources.aws.runners import (
    MANIFEST,
    Package,
    aws_client,
    emr_step_args,
    glue_arguments,
    spark_submit_parameters,
    split_s3,
    submit_parameters_string,
)

# Third-party modules the entrypoint imports on a cluster (Spark itself is the service's); pinned to the
# versions installed here, which the test-suite runs with.
JOB_REQUIREMENTS = ("dagster-pipes", "deltalake", "pyarrow", "pandera", "openpyxl", "scipy")
REPO = Path(__file__).resolve().parents[2]
_SOURCES = ("pyproject.toml", "setup.py", "README.md", "platform_assets", "resources", "sensors")


def job_requirements() -> list[str]:
    return [f"{name}=={metadata.version(name)}" for name in JOB_REQUIREMENTS]


def build_wheel(out_dir: Path, repo: Path = REPO) -> Path:
    """`pip wheel --no-deps` of a clean copy of the sources (the checkout gets no build/ folder)."""
    with tempfile.TemporaryDirectory(prefix="omnilake-build-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in _SOURCES:
            path = repo / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif path.exists():
                shutil.copy2(path, src / name)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(src), "-w", str(out_dir)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pip wheel failed:\n{proc.stdout}\n{proc.stderr}")
    wheels = sorted(out_dir.glob("omnilake-*.whl"))
    if not wheels:
        raise RuntimeError(f"pip wheel produced no omnilake wheel in {out_dir}")
    return wheels[-1]


def entrypoint_file() -> Path:
    spec = util.find_spec("platform_assets.core.entrypoint")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin)


def content_hash(wheel: Path, entrypoint: Path, requirements: list[str]) -> str:
    """Stable across rebuilds: member names and bytes of the wheel, not the zip's timestamps."""
    h = hashlib.sha256()
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            h.update(name.encode() + b"\0" + hashlib.sha256(zf.read(name)).digest())
    h.update(entrypoint.read_bytes())
    h.update("\n".join(requirements).encode())
    return h.hexdigest()[:20]


@dataclass
class Uploaded:
    package: Package
    uploaded: bool  # False: the same package was already there


def package(
    uri: str,
    *,
    s3: Any,
    sse_kms_key_id: str | None = None,
    deps_archive: str | None = None,
    wheel: Path | None = None,
) -> Uploaded:
    """Build (unless `wheel` is given) and upload the job package under `uri`/<hash>/; idempotent."""
    bucket, prefix = split_s3(uri)
    enforce_sse_kms(s3, sse_kms_key_id)
    requirements = job_requirements()
    entry = entrypoint_file()
    with tempfile.TemporaryDirectory(prefix="omnilake-wheel-") as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        digest = content_hash(wheel, entry, requirements + ([deps_archive] if deps_archive else []))
        folder = f"{prefix}{digest}/"
        base = f"s3://{bucket}/{folder}"
        zip_name = f"{wheel.stem}.zip"
        pkg = Package(
            base.rstrip("/"),
            f"{base}{wheel.name}",
            f"{base}entrypoint.py",
            requirements,
            deps_archive,
            f"{base}{zip_name}",
        )
        if _exists(s3, bucket, f"{folder}{MANIFEST}"):
            return Uploaded(pkg, False)
        s3.put_object(Bucket=bucket, Key=f"{folder}{wheel.name}", Body=wheel.read_bytes())
        s3.put_object(Bucket=bucket, Key=f"{folder}{zip_name}", Body=wheel.read_bytes())
        s3.put_object(Bucket=bucket, Key=f"{folder}entrypoint.py", Body=entry.read_bytes())
    manifest = {
        "hash": digest,
        "wheel": pkg.wheel,
        "py_files": pkg.py_files,
        "entrypoint": pkg.entrypoint,
        "requirements": requirements,
        "deps_archive": deps_archive,
    }
    s3.put_object(Bucket=bucket, Key=f"{folder}{MANIFEST}", Body=json.dumps(manifest, indent=2).encode())
    return Uploaded(pkg, True)


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def glue_job_definition(
    pkg: Package,
    *,
    role_arn: str,
    glue_version: str = "5.1",
    workers: int = 2,
    security_configuration: str | None = None,
) -> dict:
    """`create_job` / `update_job` settings of the Glue job running the entrypoint (Python 3.11, Spark).

    `security_configuration` (OMNILAKE_GLUE_SECURITY_CONFIGURATION) is how Glue encrypts what the service
    itself writes (logs, bookmarks, temp files) with SSE-KMS; the job's own S3 writes carry the key anyway."""
    extra = {"SecurityConfiguration": security_configuration} if security_configuration else {}
    return {
        **extra,
        "Role": role_arn,
        "Command": {"Name": "glueetl", "ScriptLocation": pkg.entrypoint, "PythonVersion": "3"},
        "DefaultArguments": {"--job-language": "python", **glue_arguments(pkg)},
        "GlueVersion": glue_version,
        "WorkerType": "G.1X",
        "NumberOfWorkers": workers,
        "ExecutionProperty": {"MaxConcurrentRuns": 20},
        "Timeout": 120,
    }


def ensure_glue_job(glue: Any, name: str, definition: dict) -> str:
    """Create the Glue job, or point an existing one at this package: "created", "updated", "unchanged"."""
    try:
        current = glue.get_job(JobName=name)["Job"]
    except glue.exceptions.EntityNotFoundException:
        glue.create_job(Name=name, **definition)
        return "created"
    if _contains(current, definition):
        return "unchanged"
    glue.update_job(JobName=name, JobUpdate=job_update(current, definition))
    return "updated"


# JobUpdate replaces the whole job: carry over what `get_job` returned (ExecutionClass, Connections,
# SecurityConfiguration, ...) and lay this package's settings over it.
JOB_UPDATE_FIELDS = (
    "Description",
    "LogUri",
    "Role",
    "ExecutionProperty",
    "Command",
    "DefaultArguments",
    "NonOverridableArguments",
    "Connections",
    "MaxRetries",
    "Timeout",
    "WorkerType",
    "NumberOfWorkers",
    "SecurityConfiguration",
    "NotificationProperty",
    "GlueVersion",
    "ExecutionClass",
    "SourceControlDetails",
    "MaintenanceWindow",
    "JobMode",
    "JobRunQueuingEnabled",
)  # not MaxCapacity / AllocatedCapacity: Glue derives them from WorkerType x NumberOfWorkers


def job_update(current: dict, definition: dict) -> dict:
    update = {k: current[k] for k in JOB_UPDATE_FIELDS if current.get(k) is not None}
    return {**update, **definition}


def _contains(current: Any, wanted: Any) -> bool:
    """Whether `current` (a described resource) already has every setting of `wanted`."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(_contains(current.get(k), v) for k, v in wanted.items())
    return current == wanted


def job_parameters(pkg: Package) -> dict:
    """What each mode needs, as printed by `omnilake aws package`."""
    return {
        "OMNILAKE_AWS_ARTIFACTS": pkg.uri,
        "glue": {"ScriptLocation": pkg.entrypoint, "DefaultArguments": glue_arguments(pkg)},
        "emr-serverless": {
            "entryPoint": pkg.entrypoint,
            "sparkSubmitParameters": submit_parameters_string(spark_submit_parameters(pkg)),
        },
        "emr": {"step_args": emr_step_args(pkg)},
    }


def main(args: Any) -> int:
    """The `omnilake aws package` command (argparse namespace from platform_assets.cli)."""
    from platform_assets import settings

    uri = args.uri or (
        f"s3://{args.bucket}/{(args.prefix or 'omnilake/packages').strip('/')}" if args.bucket else None
    )
    if not uri:
        print("omnilake aws package: give an s3:// URI or --bucket [--prefix]", file=sys.stderr)
        return 2
    endpoint = settings.aws_endpoint_url()
    s3 = aws_client("s3", region=settings.aws_region(), endpoint_url=endpoint)
    result = package(uri, s3=s3, sse_kms_key_id=settings.sse_kms_key_id(), deps_archive=args.deps_archive)
    state = "uploaded" if result.uploaded else "already present (same content hash)"
    print(f"job package {state}: {result.package.uri}", file=sys.stderr)
    out = job_parameters(result.package)
    if args.glue_job:
        role = args.role_arn or settings.aws_role_arn()
        if not role:
            print("--glue-job needs --role-arn (or OMNILAKE_AWS_ROLE_ARN)", file=sys.stderr)
            return 2
        glue = aws_client("glue", region=settings.aws_region(), endpoint_url=endpoint)
        definition = glue_job_definition(
            result.package, role_arn=role, security_configuration=settings.glue_security_configuration()
        )
        out["glue"]["job"] = {args.glue_job: ensure_glue_job(glue, args.glue_job, definition)}
    print(json.dumps(out, indent=2))
    return 0

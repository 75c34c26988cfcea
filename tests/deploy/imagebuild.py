"""Build the image and wait for its health check: with Docker where a daemon and the base image
are at hand, otherwise the stand-in, which follows the same Dockerfile in a virtual environment.

The stand-in, step by step against the Dockerfile (read through tests/deploy/dockerfile.py):

1. the build context is what the build stage's COPY instructions take, less what .dockerignore
   leaves out, laid out as the Dockerfile lays it out;
2. the project's wheel is built from that context alone (`pip wheel --no-deps`), so a package or
   data file the image would miss is missing here too;
3. a fresh virtual environment (no system site-packages, no pip, as the final image's) gets that
   wheel (`--no-deps --no-index`); the dependencies come from the test environment's own
   site-packages through a `.pth` line, which adds the directory alone and runs none of its
   `.pth` hooks, so the project's editable install stays out of reach: every project module
   loads from the wheel (checked). Downloading every dependency again would need the network
   and minutes on every run; the versions are the ones `make` installed from pyproject.toml;
4. the final stage's ENV, its ENTRYPOINT with `migrate`, then with its CMD (`serve`) on a free
   port and SQLite in a temporary folder;
5. the HEALTHCHECK's own command, polled until it succeeds, as Docker does.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT, Dockerfile

HEALTHY_WITHIN_S = 90.0
PROJECT_PACKAGES = ("bot", "casestore", "dialogs", "manifest", "memberportal", "scheduler")


def docker_available(base_image: str) -> str | None:
    """None if Docker can build here (a daemon answers and the base image is present), else why
    not. The base image is not pulled: a registry may be out of reach (as on this CI machine)."""
    if shutil.which("docker") is None:
        return "no docker command"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return "no Docker daemon answers"
    inspect = subprocess.run(["docker", "image", "inspect", base_image], capture_output=True,
                             check=False)
    if inspect.returncode != 0:
        return f"the base image {base_image} is not present"
    return None


def health_command(image: Dockerfile) -> list[str]:
    check = image.final.last("HEALTHCHECK")
    assert check is not None, "the Dockerfile has no HEALTHCHECK"
    command = dockerfile.Instruction("CMD", check.args.split(" CMD ", 1)[1]).exec_form()
    assert command is not None, "the HEALTHCHECK is not in exec form"
    return command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- the stand-in ---------------------------------------------------------------------------

def copy_context(image: Dockerfile, dest: Path) -> None:
    """The build stage's COPY sources, as the build would see them."""
    patterns = dockerfile.dockerignore_patterns()
    for sources, target, from_stage in image.stage("build").copies():
        if from_stage is not None:
            continue
        for source in sources:
            src = ROOT / source
            to = dest / target / source if target.endswith("/") else dest / target
            if src.is_dir():
                shutil.copytree(src, to, ignore=lambda d, names: [
                    n for n in names
                    if dockerfile.ignored(str((Path(d) / n).relative_to(ROOT)), patterns)])
            else:
                to.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, to)


def build_standin(image: Dockerfile, work: Path) -> Path:
    """Steps 1 to 3; returns the virtual environment's bin folder."""
    build = image.stage("build")
    run = " ".join(r.args for r in build.all("RUN"))
    # the stand-in mirrors these steps; if the Dockerfile stops doing them, it must be revisited
    for step in ("pip wheel", "--no-index --find-links", "pip uninstall"):
        assert step in run, f"the build stage no longer runs `{step}`"
    context = work / "context"
    copy_context(image, context)
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "--wheel-dir", str(wheels), str(context)], check=True)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    [wheel] = wheels.glob("member_enquiries-*.whl")
    subprocess.run([*pip, "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    Path(site.stdout.strip(), "test-environment-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / "bin"


def modules_loaded_from(bin_dir: Path) -> dict[str, str]:
    code = ("import importlib, json; print(json.dumps({p: importlib.import_module(p).__file__ "
            f"for p in {PROJECT_PACKAGES!r}}}))")
    out = subprocess.run([str(bin_dir / "python"), "-c", code], capture_output=True, text=True,
                         check=False, cwd=bin_dir.parent)
    assert out.returncode == 0, f"the installed wheel does not import:\n{out.stderr[-3000:]}"
    loaded: dict[str, str] = json.loads(out.stdout)
    return loaded


def container_env(image: Dockerfile, bin_dir: Path, data: Path, port: int) -> dict[str, str]:
    """The final stage's ENV, on a clean environment, with the port and database of this run."""
    env = {"HOME": str(data), "LANG": "C.UTF-8", "PATH": os.environ.get("PATH", "")}
    for key, value in image.final.env().items():
        env[key] = value.replace("$PATH", env["PATH"]).replace("/opt/venv/bin", str(bin_dir))
    env.update(PORT=str(port), HOST="127.0.0.1",
               DATABASE_URL=f"sqlite+aiosqlite:///{data / 'memberportal.db'}")
    return env


def run_health_check(command: list[str], bin_dir: Path, env: dict[str, str]) -> int:
    program = str(bin_dir / command[0])
    return subprocess.run([program, *command[1:]], env=env, capture_output=True,
                          check=False, timeout=30).returncode


@contextmanager
def serving(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[
        subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def poll(check: Callable[[], bool], timeout_s: float,
         process: subprocess.Popen[bytes] | None = None) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        if check():
            return True
        time.sleep(0.5)
    return False


# --- Docker ---------------------------------------------------------------------------------

def docker_build(base_image: str) -> str:
    tag = f"member-enquiries:test-{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "build", "--quiet", "--build-arg", f"PYTHON_IMAGE={base_image}",
                    "--tag", tag, str(ROOT)], check=True, capture_output=True, timeout=1500)
    return tag


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check,
                          timeout=120)

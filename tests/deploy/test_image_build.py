"""The image builds and its health check passes.

With Docker where it can build here (a daemon answers and the pinned base image is present:
nothing is pulled), the real image: built, started, healthy by its own HEALTHCHECK, running as
a non-root user with no compiler. Otherwise the stand-in (tests/deploy/imagebuild.py) follows
the same Dockerfile in a virtual environment. Never skipped: one of the two always runs, and
the test's output says which. MEMBERPORTAL_IMAGE_TEST=docker or =standin forces one;
MEMBERPORTAL_IMAGE_BASE names another local base image (a mirror of the pinned one).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy import dockerfile, imagebuild

MODE = os.environ.get("MEMBERPORTAL_IMAGE_TEST", "auto")


@pytest.mark.timeout(1800)  # a real build downloads the dependencies; the stand-in takes ~20 s
def test_the_image_builds_and_its_health_check_passes(tmp_path: Path) -> None:
    image = dockerfile.load()
    base = os.environ.get("MEMBERPORTAL_IMAGE_BASE") or image.resolve(image.args["PYTHON_IMAGE"])
    why_not = imagebuild.docker_available(base) if MODE != "standin" else "standin asked for"
    if MODE == "docker" and why_not is not None:
        pytest.fail(f"MEMBERPORTAL_IMAGE_TEST=docker, but Docker cannot build here: {why_not}")
    if why_not is None:
        print(f"building the image with Docker on {base}")
        _in_docker(base)
    else:
        print(f"Docker cannot build here ({why_not}): the stand-in build in a virtual "
              "environment runs instead")
        _standin(image, tmp_path)


def _in_docker(base: str) -> None:
    tag = imagebuild.docker_build(base)
    container = ""
    try:
        container = imagebuild.docker("run", "--detach", "--health-interval=2s",
                                      tag).stdout.strip()

        def healthy() -> bool:
            state = imagebuild.docker("inspect", "--format", "{{.State.Health.Status}}",
                                      container).stdout.strip()
            assert state != "unhealthy", imagebuild.docker("logs", container).stderr[-3000:]
            return state == "healthy"

        assert imagebuild.poll(healthy, imagebuild.HEALTHY_WITHIN_S), \
            imagebuild.docker("logs", container).stderr[-3000:]
        assert imagebuild.docker("exec", container, "id", "-u").stdout.strip() != "0"
        compilers = imagebuild.docker("exec", container, "sh", "-c",
                                      "command -v gcc cc make", check=False)
        assert compilers.stdout.strip() == "", f"build tools in the image: {compilers.stdout}"
    finally:
        if container:
            imagebuild.docker("rm", "--force", container, check=False)
        imagebuild.docker("rmi", "--force", tag, check=False)


def _standin(image: dockerfile.Dockerfile, work: Path) -> None:
    bin_dir = imagebuild.build_standin(image, work)
    loaded = imagebuild.modules_loaded_from(bin_dir)
    for package, path in loaded.items():
        assert Path(path).is_relative_to(work / "venv"), \
            f"{package} was loaded from {path}, not from the wheel"
    data = work / "data"
    data.mkdir()
    env = imagebuild.container_env(image, bin_dir, data, imagebuild.free_port())
    check = imagebuild.health_command(image)
    assert imagebuild.run_health_check(check, bin_dir, env) != 0, \
        "the health check passes with nothing listening"

    entrypoint = image.final.last("ENTRYPOINT")
    command = image.final.last("CMD")
    assert entrypoint is not None and command is not None
    program = [str(bin_dir / word) if i == 0 else word
               for i, word in enumerate(entrypoint.exec_form() or [])]
    migrated = subprocess.run([*program, "migrate"], env=env, cwd=data, capture_output=True,
                              text=True, timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    assert "schema revision" in migrated.stdout

    log = work / "serve.log"
    with imagebuild.serving([*program, *(command.exec_form() or [])], env, data, log) as server:
        ok = imagebuild.poll(lambda: imagebuild.run_health_check(check, bin_dir, env) == 0,
                             imagebuild.HEALTHY_WITHIN_S, server)
        assert ok, f"never healthy; serve's log ends:\n{log.read_text()[-3000:]}"

"""The official ``langchain-gradient`` 1.0.0 (pydo-based) as a benchmark peer.

It shares our import name, so it is installed beside the project, not into the
environment: ``python -m benchmarks.official`` downloads the 1.0.0 wheel, unpacks
its package as ``langchain_gradient_official`` into ``.benchmarks/official/``,
and installs its dependencies (pydo and friends) with ``pip --target`` there.
`load` then appends that folder to ``sys.path`` (after the environment, so the
shared packages are the environment's) and points pydo's client at the
loopback server: the package itself has no base-URL setting (its client is
built per call with pydo's default endpoint), and azure-core's https-only check
for bearer tokens is switched off (the loopback server speaks plain http).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / ".benchmarks" / "official"
PACKAGE = "langchain_gradient_official"
VERSION = "1.0.0"
# The wheel's own requirements, minus langchain-core / typing_extensions (the environment has them).
REQUIREMENTS = ["pydo>=0.39.0,<0.40.0", "python-digitalocean>=1.17.0,<2", "python-dotenv>=1,<2"]

__all__ = ["DEST", "install", "load"]


def install(dest: Path = DEST) -> None:
    """Download the wheel and its dependencies into ``dest`` (a few seconds, once)."""
    dest.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [*pip, "download", "-q", "--no-deps", f"langchain-gradient=={VERSION}", "-d", tmp],
            check=True,
        )
        wheel = next(Path(tmp).glob("langchain_gradient-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tmp)
        shutil.rmtree(dest / PACKAGE, ignore_errors=True)
        shutil.copytree(Path(tmp) / "langchain_gradient", dest / PACKAGE)
    rename_imports(dest / PACKAGE)
    subprocess.run([*pip, "install", "-q", "--target", str(dest), *REQUIREMENTS], check=True)


_OWN_IMPORT = re.compile(r"^(\s*(?:from|import)\s+)langchain_gradient\b", re.MULTILINE)


def rename_imports(package: Path) -> None:
    """Point the copy's absolute imports of ``langchain_gradient`` at the copy itself.

    Its ``__init__`` says ``from langchain_gradient.chat_models import
    ChatGradient``: left alone, importing the copy would import *this* project
    and hand back our class (an import benchmark that timed us twice).
    """
    for path in package.rglob("*.py"):
        text = path.read_text()
        renamed = _OWN_IMPORT.sub(rf"\g<1>{PACKAGE}", text)
        if renamed != text:
            path.write_text(renamed)


def load(server_root: str, dest: Path = DEST) -> type[Any] | None:
    """The official `ChatGradient` class talking to ``server_root``, or None if not installed."""
    if not (dest / PACKAGE).is_dir():
        return None
    if str(dest) not in sys.path:
        sys.path.append(str(dest))
    import importlib

    module = importlib.import_module(f"{PACKAGE}.chat_models")
    from pydo.inference import Client

    module.Client = functools.partial(Client, inference_endpoint=server_root)
    # azure-core refuses a bearer token over plain http; the loopback server has no TLS.
    from azure.core.pipeline.policies import _authentication

    _authentication._enforce_https = lambda request: None
    cls: type[Any] = module.ChatGradient
    if not cls.__module__.startswith(PACKAGE):  # an install from before `rename_imports`
        msg = f"{cls.__module__} is not the official copy: run python -m benchmarks.official"
        raise RuntimeError(msg)
    return cls


if __name__ == "__main__":
    install()
    print(f"installed langchain-gradient {VERSION} as {PACKAGE} in {DEST}")

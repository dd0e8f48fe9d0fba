"""The installed walcast.so exports only what PostgreSQL looks up by name.

Exported C++ internals would bind across two loaded copies of the plugin (an absolute-path build next to the
installed one), so the second would run the first's code; Makefile.pgxs builds with -fvisibility=hidden.
"""
import os
import shutil
import subprocess

import pytest

from conftest import PKGLIBDIR


@pytest.mark.skipif(shutil.which("nm") is None, reason="nm (binutils) is not installed")
def test_only_postgres_entry_points_are_exported():
    out = subprocess.run(["nm", "-D", "--defined-only", os.path.join(PKGLIBDIR, "walcast.so")],
                         capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines() if line.strip()}
    assert exported == {"Pg_magic_func", "_PG_output_plugin_init"}

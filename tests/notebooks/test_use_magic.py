"""The notebooks' first cells: a seeded local cloud, ``novamagic.connect(local=lc)`` and
``%nova use cloud`` so the magics and the Python API share one session."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import novamagic
from novamagic.localcloud import LocalCloud, ManualClock


def test_magics_and_python_share_one_session(shell):
    with LocalCloud(seed=42, clock=ManualClock(step_per_request=1)) as lc:
        cloud = novamagic.connect(local=lc)
        shell.user_ns["cloud"] = cloud
        message = shell.run_line_magic("nova", "use cloud")
        assert str(message).startswith("using cloud: joe (project openstack) at http://127.0.0.1:")
        shell.run_cell(
            "%%nova_boot --wait\nname: tornado001\nimage: cirros-0.6.2-x86_64-disk\nflavor: m1.tiny\n"
        ).raise_error()
        # what the magic booted, the Python API sees in the same session (and will clean up)
        assert cloud.server("tornado001")["status"] == "ACTIVE"
        assert any("/servers" in entry["path"] for entry in cloud.history)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("", "cloud is not defined, not a novamagic Cloud"),
        ("cloud = 42", "cloud is of type int, not a novamagic Cloud"),
    ],
)
def test_use_refuses_anything_but_a_cloud(shell, setup, message):
    shell.run_cell(setup)
    with pytest.raises(UsageError, match=message):
        shell.run_line_magic("nova", "use cloud")

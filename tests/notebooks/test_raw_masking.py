"""``%nova raw`` shows any answer, but never a secret in it (chapter 7's notebook boots with it)."""

from __future__ import annotations

import novamagic
from novamagic.localcloud import LocalCloud, ManualClock


def test_raw_answer_masks_admin_pass_but_keeps_it_in_data(shell):
    with LocalCloud(seed=42, clock=ManualClock(step_per_request=1)) as lc:
        cloud = shell.user_ns["cloud"] = novamagic.connect(local=lc)
        shell.run_line_magic("nova", "use cloud")
        image = cloud.image("cirros-0.6.2-x86_64-disk")["id"]
        shell.user_ns["body"] = {
            "server": {"name": "web", "imageRef": image, "flavorRef": "1", "networks": "auto"}
        }
        answer = shell.run_line_magic("nova", "raw POST /servers $body")
        secret = answer.data["server"]["adminPass"]
        assert secret and len(secret) >= 8
        shown = shell.display_formatter.format(answer)[0]
        for text in (shown["text/plain"], shown["text/html"], repr(answer)):
            assert secret not in text
        assert '"adminPass": "********"' in shown["text/plain"]
        assert "&quot;adminPass&quot;: &quot;********&quot;" in shown["text/html"]

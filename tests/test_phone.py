"""``smsurvey phone``: a terminal phone texting a running server through the simulator."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.test_serve import SMSURVEY, running_server


def test_a_terminal_phone_texts_and_sees_the_reply(tmp_path: Path) -> None:
    with running_server(tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSURVEY_")}
        phone = subprocess.run(
            [SMSURVEY, "phone", "+14155552671", "--server", url],
            input="hello\n",
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
        )
    assert phone.returncode == 0, phone.stderr
    assert "+14155552671 is on" in phone.stdout
    assert "+15005550006: You are not currently taking a survey." in phone.stdout

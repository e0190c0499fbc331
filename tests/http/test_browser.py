"""Real headless Chromium plays the viewer page: video decodes at the server's rate, and the
pixels it shows change after an OSC message changes the class.

The server and Chromium run in a private network namespace (loopback only), so the WebRTC
peers cannot use any address but 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys

from oscserver.testing.browser_session import FPS
from tests.support import REPO
from tests.support.platforms import linux_only


def _browser_session(*options: str) -> dict:
    result = subprocess.run(
        [
            "unshare",
            "--net",
            "--",
            sys.executable,
            "-m",
            "oscserver.testing.browser_session",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in report, report
    return report


@linux_only("Chromium in a private network namespace (unshare --net)")
def test_chromium_decodes_video_and_follows_osc():
    report = _browser_session()
    assert report["state"] == "connected"
    assert report["frame_size"] == [256, 256]
    # framesDecoded keeps rising at the rate the server renders (on a quiet machine, its
    # clock's 30 fps); compared in the same window, so a busy machine does not fail it.
    assert report["render_fps"] >= 0.5 * FPS, report
    assert 0.8 * report["render_fps"] <= report["decoded_fps"] <= 1.1 * report["render_fps"]
    assert report["still_decoding"]
    # The class change shows in the pixels read back from the video element.
    assert report["pixel_change"] > 10, report
    assert report["server_exit"] == 0


@linux_only("Chromium in a private network namespace (unshare --net)")
def test_chromium_receives_720p_at_20_fps():
    """``--size 1280x720 --render-scale 0.5``: the browser decodes 1280x720 frames, at 20 fps
    or more on two cores, and an OSC change shows in them."""
    report = _browser_session("--size", "1280x720", "--render-scale", "0.5", "--seconds", "6")
    assert report["state"] == "connected"
    assert report["frame_size"] == [1280, 720]
    assert report["decoded_fps"] >= 20, report
    assert report["pixel_change"] > 10, report
    assert report["server_exit"] == 0

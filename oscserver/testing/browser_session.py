"""Runs inside a private network namespace: a real server process, a real headless Chromium
on its viewer page, OSC over UDP; prints what it measured as JSON. Used by
``tests/http/test_browser.py`` and ``oscserver bench sizes``:

    unshare --net -- python -m oscserver.testing.browser_session [--size 720p]
        [--render-scale 0.5] [--seconds 3]

Everything stays on this namespace's loopback, so neither peer can reach any other address.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request

from pythonosc.osc_message_builder import OscMessageBuilder

from oscserver.testing.chromium import Chromium

FPS = 30

STATS_JS = """(async () => {
  const pc = window.oscserver && window.oscserver.pc;
  if (!pc) return null;
  const stats = await pc.getStats();
  for (const s of stats.values()) {
    if (s.type === "inbound-rtp" && s.kind === "video") {
      return {framesDecoded: s.framesDecoded || 0, state: pc.connectionState,
              width: s.frameWidth || 0, height: s.frameHeight || 0};
    }
  }
  return {framesDecoded: 0, state: pc.connectionState};
})()"""

PIXELS_JS = """(() => {
  const video = document.getElementById("video");
  const canvas = document.createElement("canvas");
  canvas.width = 32; canvas.height = 32;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(video, 0, 0, 32, 32);
  return Array.from(ctx.getImageData(0, 0, 32, 32).data);
})()"""


def osc(port: int, address: str, *args: float | str) -> None:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(builder.build().dgram, ("127.0.0.1", port))


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rendered_frames(http_port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/status", timeout=10) as reply:
        return json.load(reply)["frames_rendered"]


def wait_until(fn, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(what)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m oscserver.testing.browser_session")
    parser.add_argument("--size", help="the server's --size (default: its own)")
    parser.add_argument("--render-scale", default="1", help="the server's --render-scale")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long fps is measured")
    args = parser.parse_args(argv)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    http_port, osc_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    sizing = ["--size", args.size] if args.size else []
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oscserver",
            "serve",
            "--http-port",
            str(http_port),
            "--osc-port",
            str(osc_port),
            "--shm",
            "",
            "--fps",
            str(FPS),
            "--status-interval",
            "0",
            "--render-scale",
            args.render_scale,
            *sizing,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    browser = None
    result: dict[str, object] = {}
    try:

        def http_up():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", http_port)) == 0

        wait_until(http_up, 60, "server HTTP did not come up")
        browser = Chromium()
        browser.open(f"http://127.0.0.1:{http_port}/")
        first = wait_until(
            lambda: (s := browser.evaluate(STATS_JS)) and s["framesDecoded"] > 5 and s,
            30,
            "the page decoded no frames",
        )
        rendered0 = rendered_frames(http_port)
        t0 = time.monotonic()
        time.sleep(args.seconds)
        second = browser.evaluate(STATS_JS)
        elapsed = time.monotonic() - t0
        result["decoded_fps"] = (second["framesDecoded"] - first["framesDecoded"]) / elapsed
        result["render_fps"] = (rendered_frames(http_port) - rendered0) / elapsed
        result["frame_size"] = [second.get("width"), second.get("height")]
        result["state"] = second["state"]
        osc(osc_port, "/smooth", 0.0)
        time.sleep(0.3)
        before = browser.evaluate(PIXELS_JS)
        osc(osc_port, "/class", *([0.0] * 1000))
        osc(osc_port, "/class/set", 1, 1.0)  # goldfish
        time.sleep(1.0)
        after = browser.evaluate(PIXELS_JS)
        result["pixel_change"] = sum(abs(a - b) for a, b in zip(before, after, strict=True)) / len(
            before
        )
        result["still_decoding"] = (
            browser.evaluate(STATS_JS)["framesDecoded"] > second["framesDecoded"]
        )
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if browser is not None:
            browser.close()
        server.terminate()
        try:
            _, err = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
        result["server_exit"] = server.returncode
        result["server_log_tail"] = err[-2000:]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

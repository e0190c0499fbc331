"""The audio commands' parsers: registered on the top-level parser, cheap to build."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from oscserver.audio.cli import MAPPING_NAMES, add_audio_parsers, main
from oscserver.audio.mappings import MAPPINGS


def test_the_parser_knows_every_mapping():
    assert set(MAPPING_NAMES) == set(MAPPINGS)


def test_drive_and_render_set_a_run_function():
    parser = argparse.ArgumentParser(prog="oscserver")
    add_audio_parsers(parser.add_subparsers())
    render = parser.parse_args(["render", "song.wav", "-o", "v.mp4", "-k", "depth=0.5"])
    drive = parser.parse_args(["drive", "song.wav", "--to", "10.0.0.2:9001", "--play"])
    assert callable(render.run) and callable(drive.run)
    assert render.knob == ["depth=0.5"] and drive.to == "10.0.0.2:9001" and drive.play


def test_list_knobs(capsys):
    assert main(["render", "--mapping", "wander", "--list-knobs"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("wander: ") and "dwell_mean (number, 0.05..3600; default 4.0)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drive"], "give a song file or --input DEVICE"),
        (["drive", "x.wav", "--to", "nowhere"], "--to expects HOST:PORT"),
        (["render", "x.wav"], "render needs a song and -o OUTPUT.mp4"),
        (["render", "x.wav", "-o", "v.mp4", "--knob", "depth"], "--knob expects NAME=VALUE"),
    ],
)
def test_usage_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_building_the_parser_imports_nothing_heavy():
    code = (
        "import argparse, sys\n"
        "from oscserver.audio.cli import add_audio_parsers\n"
        "add_audio_parsers(argparse.ArgumentParser().add_subparsers())\n"
        "print(sorted(m for m in ('librosa', 'av', 'scipy', 'onnxruntime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr

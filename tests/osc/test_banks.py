"""Banks over OSC: /bank/load and /bank/pick on a running server (real UDP; the pick sent with
liblo's oscsend where it is installed), refusals counted, the bank in use kept."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import numpy as np
import pytest

from oscserver.server import Server
from tests.support import OscSender, build_tiny_generator, serve_config, wait_for
from tests.support.banks import CLASSES, NOISE, make_bank


def test_load_and_pick_move_the_targets_and_bad_banks_are_refused(tmp_path):
    model = build_tiny_generator(tmp_path / "tiny.onnx", classes=CLASSES, noise=NOISE)
    media = tmp_path / "media"
    media.mkdir()
    bank = make_bank(media / "bank.npz")
    make_bank(media / "wide.npz", noise=NOISE + 3, generator="other")
    np.savez(media / "plain.npz", x=np.zeros(3))
    (media / "junk.npz").write_bytes(b"\x00" * 64)
    oscsend = shutil.which("oscsend")

    async def main():
        server = await Server.start(serve_config(str(model), media_dir=[str(media)]))
        controls = server.stages.current.controls
        rejected = server.counters.rejected
        try:
            with OscSender(server.osc_port) as osc:
                assert not server.namespace.describe("/bank/pick").listed  # nothing to pick
                osc.send("/bank/pick", 0)  # nothing loaded yet
                assert await wait_for(lambda: rejected["bad_file"] == 1)
                osc.send("/bank/load", "bank.npz")
                assert await wait_for(lambda: server.banks.current is not None)
                assert len(server.banks.current) == 5
                advertised = server.namespace.describe("/bank/pick")
                assert advertised.listed and advertised.args[0].high == 4  # the bank's indices
                if oscsend:  # a foreign client: liblo's oscsend
                    subprocess.run(
                        ["oscsend", "127.0.0.1", str(server.osc_port), "/bank/pick", "i", "3"],
                        check=True,
                        timeout=10,
                    )
                else:
                    osc.send("/bank/pick", 3)
                assert await wait_for(lambda: server.banks.picked == 3)
                np.testing.assert_allclose(controls.current("class")[1], bank.inputs["class"][3])
                np.testing.assert_allclose(controls.current("noise")[1], bank.inputs["noise"][3])
                osc.send("/bank/pick", 5)  # past the end
                assert await wait_for(lambda: rejected["bad_index"] == 1)
                for name in ("wide.npz", "plain.npz", "junk.npz", "absent.npz", "../bank.npz"):
                    osc.send("/bank/load", name)
                # Not in the media folders: rejected at once. Not a bank for this generator:
                # refused once read, with the reason.
                assert await wait_for(lambda: rejected["bad_file"] == 3)
                assert await wait_for(lambda: server.banks.refusals == 3, 10.0)
                assert "does not exist" not in server.banks.last_refusal
                # Every refusal left the bank in use alone, and rendering went on.
                assert server.banks.path.endswith("bank.npz") and server.banks.picked == 3
                frames = server.frame_clock.stats.rendered
                assert await wait_for(lambda: server.frame_clock.stats.rendered > frames + 3)
                osc.send("/bank/pick", 1.0)  # Pd and Max send floats
                assert await wait_for(lambda: server.banks.picked == 1)
            # Each of the 10 messages counted once: accepted or rejected, never both.
            counts = server.counters.as_dict()
            assert counts["accepted"] + counts["rejected"] == 10, counts
        finally:
            await server.stop()

    asyncio.run(main())


@pytest.mark.skipif(shutil.which("oscsend") is None, reason="liblo-tools not installed")
def test_bank_addresses_are_listed_and_read_back(tmp_path):
    model = build_tiny_generator(tmp_path / "tiny.onnx", classes=CLASSES, noise=NOISE)
    media = tmp_path / "media"
    media.mkdir()
    make_bank(media / "bank.npz", count=7)

    async def main():
        server = await Server.start(serve_config(str(model), media_dir=[str(media)]))
        try:
            with OscSender(server.osc_port) as osc:
                osc.send("/bank/load", "bank.npz")
                assert await wait_for(lambda: server.banks.current is not None)
            load = server.namespace.describe("/bank/load")
            pick = server.namespace.describe("/bank/pick")
            assert load is not None and pick is not None
            reading = server.stages.current.controls.reading()
            path, size, refusal = load.read(reading)
            assert path.endswith("bank.npz") and size == 7 and refusal == ""
            assert pick.read(reading) == (-1,)
        finally:
            await server.stop()

    asyncio.run(main())

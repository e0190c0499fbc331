"""Banks over OSC: stored vectors (from ``oscserver curate``) called up live.

    /bank/load FILE     load a bank (.npz in the media folders); reads back the file and size
    /bank/pick I        move every stored input (class weights and noise, or a latent) to
                        vector I: its targets are set, and the controls' motion (a spring, with
                        /spring) carries the picture there

A bank loads off the event loop. A path outside the media folders is rejected at once
(``bad_file``, counted); a file that then turns out not to be a bank, or made for a generator
with other inputs, is refused when it has been read: logged with the reason, counted in
``Banks.refusals`` and read back by ``/get /bank/load``, and the bank in use stays (like a
``/model`` file that fails to load). A pick acts when it arrives; an index past the end is
``bad_index``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from oscserver.control.bank import Bank, BankError, fit_to
from oscserver.control.controls import Change, SetTarget
from oscserver.core.errors import ControlError, Reason
from oscserver.core.media import MediaFolders
from oscserver.core.tasks import TaskManager
from oscserver.osc import arguments
from oscserver.osc.command import Call, Command
from oscserver.osc.describe import Address, Arg
from oscserver.osc.namespace import Namespace
from oscserver.osc.values import type_name

log = logging.getLogger("oscserver.osc")


@dataclass
class Banks:
    """The bank in use (None before the first /bank/load), its file and the last pick."""

    current: Bank | None = None
    path: str = ""
    picked: int = -1
    refusals: int = 0
    """banks that passed the path check but failed to load or fit (logged, not OSC rejections:
    their message was already accepted)"""
    last_refusal: str = ""


def bank_commands(
    namespace: Namespace, media: MediaFolders, tasks: TaskManager, banks: Banks
) -> list[Command]:
    """``/bank/load`` and ``/bank/pick``, checking banks against the generator ``namespace``
    says plays; a pick returns its changes to the router."""

    def load(call: Call) -> None:
        arguments.count(call.address, call.args, 1, "a bank file (.npz) in the media folders")
        arg = call.args[0]
        if not isinstance(arg, str):
            raise ControlError(
                Reason.WRONG_TYPE,
                f"{call.address} expects a file path string, got {type_name(arg)}",
            )
        path = media.resolve(call.address, arg, suffix=".npz")
        tasks.spawn(_load(path, call), name=f"bank-load:{path.name}")

    async def _load(path: Path, call: Call) -> None:
        try:
            bank = await asyncio.to_thread(Bank.load, path)
            fit_to(bank, namespace.spec.controls, f"bank {path.name}")
        except BankError as exc:
            banks.refusals += 1
            banks.last_refusal = str(exc)
            log.error("bank refused, keeping %s: %s", banks.path or "no bank", exc)
            return
        banks.current, banks.path, banks.picked = bank, str(path), -1
        log.info("bank %s: %d vectors for %s", path, len(bank), bank.generator)

    def pick(call: Call) -> list[Change]:
        arguments.count(call.address, call.args, 1, "the index of a stored vector")
        index = arguments.integer_argument(call.address, call.args[0])
        bank = banks.current
        if bank is None:
            raise ControlError(
                Reason.BAD_FILE, f"{call.address}: no bank is loaded; send /bank/load FILE first"
            )
        if not 0 <= index < len(bank):
            raise ControlError(
                Reason.BAD_INDEX,
                f"{call.address}: {index} is outside the bank's 0..{len(bank) - 1}",
            )
        try:  # the generator may have changed since the bank loaded
            fit_to(bank, namespace.spec.controls, f"bank {banks.path}")
        except BankError as exc:
            raise ControlError(Reason.BAD_FILE, f"{call.address}: {exc}") from None
        banks.picked = index
        return [SetTarget(name, value.copy()) for name, value in bank.entry(index).items()]

    def describe_pick() -> Address:
        """Listed (OSC, OSCQuery) once a bank is loaded, with the bank's indices as range."""
        size = len(banks.current) if banks.current is not None else 0
        return Address(
            "/bank/pick",
            (Arg("i", 0, max(0, size - 1)),),
            "move to stored vector I of the bank (its class weights and noise, or latent); "
            "the controls' motion carries the picture there. Reads back the last pick",
            read=lambda _: (banks.picked,),
            listed=size > 0,
        )

    load_command = Command.fixed(
        Address(
            "/bank/load",
            (Arg("s"),),
            "load a bank of stored vectors (.npz from oscserver curate, in the media folders); "
            "reads back the file, how many vectors it holds and the last refusal",
            read=lambda _: (
                banks.path,
                len(banks.current) if banks.current else 0,
                banks.last_refusal,
            ),
        ),
        load,
    )
    return [load_command, Command("/bank/pick", describe_pick, pick)]

"""The strict OSC decoder: every type, every way a datagram can lie, and properties checked
against packets built by two encoders nobody here wrote (python-osc and liblo)."""

from __future__ import annotations

import contextlib
import math
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from oscserver.osc.decoder import MAX_BUNDLE_DEPTH, MalformedPacket, decode
from oscserver.osc.values import Char, Color, Impulse, Midi, Symbol, TimeTag
from tests.support.liblo import LIBLO, liblo_bundle, liblo_message
from tests.support.platforms import linux_only


def _pad(raw: bytes) -> bytes:
    return raw + b"\x00" * (-len(raw) % 4)


def _string(text: str) -> bytes:
    return _pad(text.encode() + b"\x00")


def _raw(address: str, tags: str, payload: bytes = b"") -> bytes:
    return _string(address) + _string("," + tags) + payload


def _bundle(*elements: bytes, tag: bytes = b"\x00\x00\x00\x00\x00\x00\x00\x01") -> bytes:
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\x00" + tag + body


def test_every_type_is_read_as_what_it_is():
    payload = (
        struct.pack(">i", -7)
        + struct.pack(">f", 0.5)
        + _string("text")
        + struct.pack(">i", 3)
        + _pad(b"abc")
        + struct.pack(">q", 2**40)
        + struct.pack(">II", 3, 4)
        + struct.pack(">d", 0.1)
        + _string("sym")
        + struct.pack(">i", ord("x"))
        + bytes([1, 2, 3, 4])
        + bytes([0x90, 60, 127, 0])
        + struct.pack(">i", 9)
    )
    (message,) = decode(_raw("/all", "ifsbhtdScrmTFNI[i]", payload)).messages
    assert message.address == "/all" and message.time is None
    assert message.args == (
        -7,
        0.5,
        "text",
        b"abc",
        2**40,
        TimeTag(3, 4),
        0.1,
        Symbol("sym"),
        Char(ord("x")),
        Color(1, 2, 3, 4),
        Midi(0x90, 60, 127, 0),
        True,
        False,
        None,
        Impulse,
        [9],
    )
    assert type(message.args[7]) is Symbol


def test_a_message_without_type_tags_is_a_message_without_arguments():
    (message,) = decode(_string("/feedback/reset")).messages  # OSC 1.0: old senders
    assert message.args == ()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "empty"),
        (b"/abc", "bad_string"),
        (b"/truncation\x00,f\x00", "not_aligned"),
        (_raw("/x", "f"), "truncated_argument"),  # cut-off argument: not read as 0
        (_raw("/x", "if", struct.pack(">i", 5)), "truncated_argument"),
        (_raw("/x", "f", struct.pack(">ff", 1, 2)), "trailing_bytes"),
        (_raw("/x", "ixf", struct.pack(">iif", 5, 0, 0.4)), "unknown_type_tag"),
        (_raw("/x", "s", b"abcd"), "bad_string"),  # not terminated
        (_string("/x") + b"f\x00\x00\x00", "bad_type_tags"),
        (b"x\x00\x00\x00", "bad_address"),
        (_raw("/x", "b", struct.pack(">i", -1)), "truncated_argument"),
        (_raw("/x", "b", struct.pack(">i", 100) + b"abcd"), "truncated_argument"),
        (_raw("/x", "]"), "bad_type_tags"),
        (_raw("/x", "[i", struct.pack(">i", 1)), "bad_type_tags"),
        (b"/x\x00\x01,\x00\x00\x00", "bad_string"),  # padding that is not zeros
        (b"/x\x00\x00\xff\xfe\x00\x00", "bad_type_tags"),
        (_bundle(_raw("/x", "")) + b"\x00\x00", "not_aligned"),
        (b"#bundle\x00\x00\x00\x00\x00", "bundle_too_short"),
        (_bundle() + struct.pack(">i", -4), "bad_element_size"),  # the 20-byte freeze
        (_bundle() + struct.pack(">i", 0), "bad_element_size"),
        (_bundle() + struct.pack(">i", 6) + b"/x\x00\x00,\x00\x00\x00", "bad_element_size"),
        (_bundle() + struct.pack(">i", 64) + _raw("/x", ""), "bad_element_size"),
        (_bundle(_raw("/x", "")) + b"\x00\x00\x00", "not_aligned"),
        (_bundle(_raw("/x", "")) + b"\x00\x00\x00\x08", "bad_element_size"),
    ],
)
def test_malformed_datagrams_name_what_is_wrong(data, kind):
    with pytest.raises(MalformedPacket) as info:
        decode(data)
    assert info.value.kind == kind, str(info.value)


def test_bundles_nest_only_so_deep():
    inner = _raw("/truncation", "f", struct.pack(">f", 0.5))
    packet = inner
    for _ in range(MAX_BUNDLE_DEPTH):
        packet = _bundle(packet)
    assert len(decode(packet).messages) == 1
    with pytest.raises(MalformedPacket) as info:
        decode(_bundle(packet))
    assert info.value.kind == "too_deep"


def test_empty_bundles_are_counted_and_time_tags_read():
    when = time.time() + 2.0
    ntp = when + 2_208_988_800
    tag = struct.pack(">II", int(ntp), int((ntp % 1) * 2**32))
    packet = decode(_bundle(_bundle(), _bundle(_raw("/a", "")), _raw("/b", ""), tag=tag))
    assert packet.empty_bundles == 1
    assert [m.address for m in packet.messages] == ["/a", "/b"]
    assert packet.messages[0].time is None  # the inner bundle says "immediately"
    assert packet.messages[1].time == pytest.approx(when, abs=1e-6)


def test_oscsend_values_of_unknown_size_no_longer_shift_the_next_argument():
    # What `oscsend ... /class/set icf 5 x 0.4` sends: the char is read as a char, so the
    # float after it is 0.4 (python-osc read it as 1.68e-43).
    data = _raw("/class/set", "icf", struct.pack(">iif", 5, ord("x"), 0.4))
    (message,) = decode(data).messages
    assert message.args[:2] == (5, Char(ord("x")))
    assert message.args[2] == pytest.approx(0.4)


# -- properties -------------------------------------------------------------------------------

_int32 = st.integers(-(2**31), 2**31 - 1)
_float32 = st.floats(width=32, allow_nan=False)
_text = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20
)
_arg = st.one_of(
    _int32.map(lambda v: ("i", v)),
    _float32.map(lambda v: ("f", v)),
    _text.map(lambda v: ("s", v)),
    st.binary(min_size=1, max_size=20).map(lambda v: ("b", v)),  # python-osc: no empty blobs
    st.booleans().map(lambda v: ("T" if v else "F", v)),
    st.just(("N", None)),
)
_address = st.lists(st.from_regex(r"[a-z0-9_]{1,8}", fullmatch=True), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)


def _python_osc(address: str, args: list[tuple[str, object]]) -> bytes:
    builder = OscMessageBuilder(address)
    for tag, value in args:
        builder.add_arg(value, {"T": "T", "F": "F"}.get(tag, tag))
    return builder.build().dgram


def _same(decoded: tuple, sent: list[tuple[str, object]]) -> bool:
    for got, (tag, value) in zip(decoded, sent, strict=True):
        if tag == "f" and isinstance(value, float) and math.isinf(value):
            if got != value:
                return False
        elif got != value:
            return False
    return True


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_decode_or_are_refused_quickly(data):
    start = time.perf_counter()
    try:
        packet = decode(data)
    except MalformedPacket:
        pass
    else:
        assert all(m.address.startswith("/") for m in packet.messages)
    assert time.perf_counter() - start < 0.05


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=512), st.integers(0, 6))
def test_mutated_valid_packets_decode_or_are_refused_quickly(noise, depth):
    data = _python_osc("/class/set", [("i", 3), ("f", 0.5)]) + noise[: len(noise) // 4 * 4]
    for _ in range(depth):
        data = _bundle(data)
    start = time.perf_counter()
    with contextlib.suppress(MalformedPacket):
        decode(data)
    assert time.perf_counter() - start < 0.05


@settings(max_examples=200, deadline=None)
@given(_address, st.lists(_arg, max_size=12))
def test_python_osc_messages_decode_to_what_was_sent(address, args):
    (message,) = decode(_python_osc(address, args)).messages
    assert message.address == address
    assert _same(message.args, args)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_address, st.lists(_arg, max_size=4)), min_size=1, max_size=5))
def test_python_osc_bundles_decode_to_what_was_sent(messages):
    when = time.time() + 10
    bundle = OscBundleBuilder(when)
    for address, args in messages:
        bundle.add_content(
            OscMessageBuilder(address).build() if not args else _built(address, args)
        )
    decoded = decode(bundle.build().dgram).messages
    assert [m.address for m in decoded] == [a for a, _ in messages]
    for message, (_, args) in zip(decoded, messages, strict=True):
        assert _same(message.args, args)
        assert message.time == pytest.approx(when, abs=1e-6)


def _built(address, args):
    builder = OscMessageBuilder(address)
    for tag, value in args:
        builder.add_arg(value, tag)
    return builder.build()


_liblo_arg = st.one_of(
    _int32.map(lambda v: ("i", v)),
    _float32.map(lambda v: ("f", v)),
    st.integers(-(2**63), 2**63 - 1).map(lambda v: ("h", v)),
    st.floats(allow_nan=False).map(lambda v: ("d", v)),
    st.text(st.characters(min_codepoint=1, max_codepoint=126), max_size=20).map(lambda v: ("s", v)),
    st.text(st.characters(min_codepoint=1, max_codepoint=126), max_size=8).map(lambda v: ("S", v)),
    st.characters(min_codepoint=1, max_codepoint=126).map(lambda v: ("c", v)),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda v: ("m", v)),
    st.binary(min_size=1, max_size=20).map(lambda v: ("b", v)),  # liblo crashes on empty blobs
    st.sampled_from([("T", True), ("F", False), ("N", None), ("I", Impulse)]),
)


def _expected(tag: str, value: object) -> object:
    return {
        "S": lambda v: Symbol(v),
        "c": lambda v: Char(ord(v)),
        "m": lambda v: Midi(*v),
    }.get(tag, lambda v: v)(value)


@pytest.mark.skipif(LIBLO is None, reason="liblo is not installed (apt-get install liblo-tools)")
@settings(max_examples=200, deadline=None)
@given(_address, st.lists(_liblo_arg, max_size=12))
@linux_only("liblo loaded through ctypes by its .so name")
def test_liblo_messages_decode_to_what_was_sent(address, args):
    (message,) = decode(liblo_message(address, args)).messages
    assert message.address == address
    assert message.args == tuple(_expected(t, v) for t, v in args)


@pytest.mark.skipif(LIBLO is None, reason="liblo is not installed (apt-get install liblo-tools)")
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_address, st.lists(_liblo_arg, max_size=4)), min_size=1, max_size=5))
@linux_only("liblo loaded through ctypes by its .so name")
def test_liblo_bundles_decode_to_what_was_sent(messages):
    when = time.time() + 5
    decoded = decode(liblo_bundle(when, messages)).messages
    assert [m.address for m in decoded] == [a for a, _ in messages]
    for message, (_, args) in zip(decoded, messages, strict=True):
        assert message.args == tuple(_expected(t, v) for t, v in args)
        assert message.time == pytest.approx(when, abs=1e-6)

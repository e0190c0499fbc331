"""OSC 1.0 address patterns: ``?``, ``*``, ``[a-z]``, ``[!abc]``, ``{foo,bar}``.

A pattern is matched part by part (``/`` separates parts and is never matched by a wildcard).
Matching walks the pattern once, keeping the set of text positions it can be at as bits of an
int, so its cost is (pattern tokens x a few big-int operations) whatever the pattern: no
regular expression, no backtracking blow-up. A part with no wildcards (``{1,2}``) expands to
the names it spells, so a tree is searched by lookup, not by scanning.

    pattern = compile_pattern("/class/20?")   # raises PatternError if it cannot be read
    pattern.matches("/class/207")             # True
    pattern.parts[1].matches("207")           # one part at a time, for walking a tree
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

MAX_PATTERN_LENGTH = 512
MAX_PART_TOKENS = 64
MAX_EXPANSIONS = 4096


class PatternError(ValueError):
    """An address pattern that cannot be read (an unclosed ``[`` or ``{``, say)."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "char", "any", "star", "set", "alt"
    chars: str = ""
    negate: bool = False
    options: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()

    def in_set(self, c: str) -> bool:
        inside = any(low <= c <= high for low, high in self.ranges)
        return inside != self.negate


@dataclass(frozen=True, slots=True)
class PartPattern:
    """The pattern for one part of an address (between two ``/``)."""

    text: str
    tokens: tuple[_Token, ...]

    @property
    def is_literal(self) -> bool:
        return all(t.kind == "char" for t in self.tokens)

    def matches(self, part: str) -> bool:
        return _match(self.tokens, part)

    def literals(self) -> frozenset[str] | None:
        """Every name this part spells, if it has no wildcards (else None)."""
        return _expand(self.tokens)


@dataclass(frozen=True, slots=True)
class AddressPattern:
    text: str
    parts: tuple[PartPattern, ...]

    def matches(self, address: str) -> bool:
        names = address.split("/")[1:]
        return len(names) == len(self.parts) and all(
            p.matches(n) for p, n in zip(self.parts, names, strict=True)
        )


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> AddressPattern:
    """Read an address pattern; ``PatternError`` says what is wrong with it."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"address pattern longer than {MAX_PATTERN_LENGTH} characters")
    if not pattern.startswith("/"):
        raise PatternError(f"address pattern {pattern!r:.80} must start with '/'")
    parts = tuple(PartPattern(p, _tokens(p, pattern)) for p in pattern.split("/")[1:])
    if any(len(p.tokens) > MAX_PART_TOKENS for p in parts):
        raise PatternError(
            f"address pattern {pattern!r:.80}: more than {MAX_PART_TOKENS} tokens in one part"
        )
    return AddressPattern(pattern, parts)


def _tokens(part: str, whole: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    i = 0
    while i < len(part):
        c = part[i]
        if c == "?":
            tokens.append(_Token("any"))
        elif c == "*":
            if not tokens or tokens[-1].kind != "star":  # ** is *
                tokens.append(_Token("star"))
        elif c == "[":
            close = part.find("]", i + 1)
            if close < 0:
                raise PatternError(f"address pattern {whole!r:.80}: '[' without ']'")
            tokens.append(_char_set(part[i + 1 : close]))
            i = close
        elif c == "{":
            close = part.find("}", i + 1)
            if close < 0:
                raise PatternError(f"address pattern {whole!r:.80}: '{{' without '}}'")
            tokens.append(_Token("alt", options=tuple(part[i + 1 : close].split(","))))
            i = close
        elif c in "]}":
            raise PatternError(f"address pattern {whole!r:.80}: {c!r} without its opening")
        else:
            tokens.append(_Token("char", chars=c))
        i += 1
    return tuple(tokens)


def _char_set(body: str) -> _Token:
    negate = body.startswith("!")
    if negate:
        body = body[1:]
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        # "a-z" is a range; a "-" first or last is itself.
        if i + 2 < len(body) and body[i + 1] == "-":
            ranges.append((body[i], body[i + 2]))
            i += 3
        else:
            ranges.append((body[i], body[i]))
            i += 1
    return _Token("set", negate=negate, ranges=tuple(ranges))


def _match(tokens: tuple[_Token, ...], text: str) -> bool:
    """Whether ``tokens`` match all of ``text``. Bit ``p`` of ``reach``: the tokens so far can
    end at text position ``p``."""
    n = len(text)
    full = (1 << (n + 1)) - 1
    masks: dict[str, int] = {}
    for pos, c in enumerate(text):
        masks[c] = masks.get(c, 0) | (1 << pos)
    reach = 1
    for token in tokens:
        kind = token.kind
        if kind == "star":
            lowest = reach & -reach
            reach = full & ~(lowest - 1)
        elif kind == "alt":
            following = 0
            for option in token.options:
                start = text.find(option)
                while start >= 0:
                    if reach >> start & 1:
                        following |= 1 << (start + len(option))
                    start = text.find(option, start + 1) if option else -1
                if not option:
                    following |= reach
            reach = following
        else:
            if kind == "any":
                mask = (1 << n) - 1
            elif kind == "char":
                mask = masks.get(token.chars, 0)
            else:
                mask = 0
                for c, bits in masks.items():
                    if token.in_set(c):
                        mask |= bits
            reach = ((reach & mask) << 1) & full
        if not reach:
            return False
    return bool(reach >> n & 1)


def _expand(tokens: tuple[_Token, ...]) -> frozenset[str] | None:
    names = [""]
    for token in tokens:
        if token.kind == "char":
            names = [name + token.chars for name in names]
        elif token.kind == "alt":
            if len(names) * len(token.options) > MAX_EXPANSIONS:
                return None
            names = [name + option for name in names for option in token.options]
        else:
            return None
    return frozenset(names)

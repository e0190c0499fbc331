"""The address space as a tree of names, for matching OSC address patterns part by part.

A vector's elements (``/class/0`` .. ``/class/999``) are not stored as nodes: a node only
says how many it has, and they are described when a pattern reaches them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from oscserver.osc.arguments import is_index
from oscserver.osc.describe import Address
from oscserver.osc.patterns import AddressPattern


class TreeNode:
    __slots__ = ("address", "children", "elements")

    def __init__(self) -> None:
        self.address: Address | None = None
        self.children: dict[str, TreeNode] = {}
        self.elements: int = 0  # /name/0 .. /name/(elements-1) exist


class AddressTree:
    def __init__(self) -> None:
        self.root = TreeNode()

    def node(self, address: str) -> TreeNode:
        """The node for ``address``, made (with its parents) if it is not there yet."""
        node = self.root
        for part in address.split("/")[1:]:
            node = node.children.setdefault(part, TreeNode())
        return node

    def walk(
        self, pattern: AddressPattern, describe: Callable[[str], Address | None]
    ) -> Iterator[Address]:
        """Every address ``pattern`` matches; ``describe`` gives an element's description."""
        level: list[tuple[TreeNode, str]] = [(self.root, "")]
        last = len(pattern.parts) - 1
        for depth, part in enumerate(pattern.parts):
            following: list[tuple[TreeNode, str]] = []
            literals = part.literals()
            for node, path in level:
                if literals is not None:  # no wildcards: look the names up
                    names = [n for n in literals if n in node.children]
                    names += [n for n in literals if is_index(n, node.elements)]
                else:
                    names = [n for n in node.children if part.matches(n)]
                    if node.elements:
                        names += [str(i) for i in range(node.elements) if part.matches(str(i))]
                for name in names:
                    child = node.children.get(name)
                    if child is not None:
                        following.append((child, f"{path}/{name}"))
                    elif depth == last:
                        described = describe(f"{path}/{name}")
                        if described is not None:
                            yield described
            if depth == last:
                for node, _ in following:
                    if node.address is not None:
                        yield node.address
            level = following

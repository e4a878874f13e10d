"""Step 2, normalise: a link spanning several ranks gets a dummy item in each rank it passes,
so ordering and positioning see it (its lane) like any other item."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Item, Link


@dataclass
class Layered:
    """A piece as a layered graph: items per rank, links only between adjacent ranks
    (`chains` keeps, per original link, the items it passes through, dummies included)."""

    items: dict[str, Item]
    links: list[Link]
    layers: list[list[str]]
    chains: list[list[str]]
    originals: list[Link]

    def lane_of(self, item_id: str) -> int:
        return self.items[item_id].lane


def normalise(items: dict[str, Item], links: list[Link], lane_width: float = 0.0) -> Layered:
    """Dummies for long links; `layers` in the order items were given (dummies last)."""
    all_items = dict(items)
    n_ranks = max((item.rank for item in items.values()), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(n_ranks)]
    for item in items.values():
        layers[item.rank].append(item.id)
    chains: list[list[str]] = []
    for index, link in enumerate(links):
        first, last = items[link.source].rank, items[link.target].rank
        chain = [link.source]
        for rank in range(first + 1, last):
            dummy = Item(f"\x00lane{index}@{rank}", rank, lane_width, 0.0, "dummy", lane=index)
            all_items[dummy.id] = dummy
            layers[rank].append(dummy.id)
            chain.append(dummy.id)
        chain.append(link.target)
        chains.append(chain)
    short = [
        Link(a, b, link.edge, link.arrow)
        for link, chain in zip(links, chains, strict=True)
        for a, b in zip(chain, chain[1:])
    ]
    return Layered(all_items, short, layers, chains, list(links))

"""Helpers every part of the demo seed shares: a seeded choice, seeded UUIDs, the batch size."""

import random
import uuid

BATCH = 2000


def pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def seeded_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from the seeded generator: the same seed, the same codes."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)

"""The deduplicator's compact hash map behaves like a dict, across buffer merges."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.keymap import KeyMap

UINT64 = st.integers(min_value=0, max_value=2**64 - 1)


@given(st.lists(st.tuples(UINT64, UINT64), max_size=200), st.integers(min_value=1, max_value=7))
def test_keymap_matches_a_dict(pairs, buffer_size):
    keymap, expected = KeyMap(buffer_size=buffer_size), {}
    for key, value in pairs:
        assert keymap.setdefault(key, value) == expected.setdefault(key, value)
    assert len(keymap) == len(expected)
    for key, value in expected.items():
        assert key in keymap
        assert keymap.get(key) == value


def test_absent_keys_after_merges():
    rng = random.Random(7)
    stored = {rng.getrandbits(64) for _ in range(5000)}
    keymap = KeyMap(buffer_size=64)
    for key in stored:
        keymap.setdefault(key, key ^ 1)
    absent = [key for key in (rng.getrandbits(64) for _ in range(2000)) if key not in stored]
    assert not any(key in keymap for key in absent)
    assert all(keymap.get(key) == key ^ 1 for key in stored)
    assert keymap.get(0) is None and keymap.get(2**64 - 1) is None


def test_memory_is_sixteen_bytes_per_entry_once_merged():
    keymap = KeyMap(buffer_size=1000)
    for key in range(10_000):
        keymap.setdefault(key * 2654435761 % 2**64, 1)
    assert keymap.nbytes() == 16 * 10_000


def test_buffer_size_must_be_positive():
    with pytest.raises(ValueError, match="buffer_size"):
        KeyMap(buffer_size=0)


def test_a_set_stores_keys_only():
    keyset = KeyMap(buffer_size=100, with_values=False)
    for key in range(1, 1001):
        keyset.setdefault(key * 7919, key)
    assert keyset.nbytes() == 8 * 1000
    assert keyset.get(7919) == 0 and 7919 * 1000 in keyset and 7919 * 1001 not in keyset


def test_get_many_sees_merged_and_buffered_keys():
    import numpy as np

    keymap = KeyMap(buffer_size=4)
    for key in range(10):
        keymap.add_new(key * 3, key + 100)  # 8 merged, 2 still buffered
    values, found = keymap.get_many(np.array([0, 1, 27, 24, 30], dtype=np.uint64))
    assert found.tolist() == [True, False, True, True, False]
    assert values.tolist() == [100, 0, 109, 108, 0]


@given(st.lists(UINT64, max_size=60, unique=True), st.integers(min_value=1, max_value=7), st.booleans())
def test_add_many_stores_what_add_new_stores(keys, buffer_size, with_values):
    import numpy as np

    one, many = (KeyMap(buffer_size=buffer_size, with_values=with_values) for _ in range(2))
    half = len(keys) // 2
    for batch in (keys[:half], keys[half:]):
        for key in batch:
            one.add_new(key, key ^ 5)
        many.add_many(batch, [key ^ 5 for key in batch])
    probe = np.array(keys + [k ^ 1 for k in keys if k ^ 1 not in keys], dtype=np.uint64)
    assert len(many) == len(one) == len(keys)
    assert [a.tolist() for a in many.get_many(probe)] == [a.tolist() for a in one.get_many(probe)]

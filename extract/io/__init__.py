"""Read: corpora in (page dumps, JSONL/CSV/JSON, gz) → uniform records (id, title, abstract, metadata),
with bounded, encoding-aware, line-numbered reading. Imports nothing of the later stages."""

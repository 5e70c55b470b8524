"""Table: claims → tidy pandas tables with provenance, batch runs over files (local processes
or Dask), and the writers/readers of CSV/JSONL/Parquet."""

"""Text: the tokenizer, sentence starts, abbreviation definitions, the compiled token loops and
helpers over a ``Doc``'s text. Knows nothing of claims."""

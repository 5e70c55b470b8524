"""Show: views for people (terminal and Markdown tables, the explain view)."""

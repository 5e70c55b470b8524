"""Pipeline: thin spaCy components over the match/normalize/link functions, and ``build_nlp``.

Importing this package registers the factories, so a user can ``nlp.add_pipe("ml_claims")``
in their own pipeline (the ``spacy_factories`` entry points do the same for spaCy's loader).
"""

from extract.pipeline import claims, entities, link, names, normalize, sentences  # noqa: F401

"""Pipeline: thin spaCy components over the match/normalize/link functions, and ``build_nlp``.

Importing this package registers the ``en_ml`` language, the ML tokenizer, the rule source
(``extract.rules.v1``) and the factories, so a user can ``spacy.blank("en_ml")`` and
``nlp.add_pipe("ml_claims")`` (the entry points in pyproject do the same for spaCy's loader).
"""

from extract.pipeline import claims, entities, language, link, names, normalize, rules, sentences  # noqa: F401

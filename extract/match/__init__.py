"""Match: rule patterns → spans on a ``Doc`` (entities, names found by context, claim candidates,
vetoes). Pure functions over tokens and a compiled ``RuleSet``."""

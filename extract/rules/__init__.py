"""Rules: the rule files (data) → a validated ``RuleSet``; built-in rules, user overrides, the
vocabulary (canonical names, metric directions) derived from them."""

"""Link: each claim → what it is and what it is about (role, metric, dataset, system, baseline),
from the sentence around it."""

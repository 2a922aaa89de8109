"""QA generation: the subtask catalogue, question templates, answers, options and balance."""

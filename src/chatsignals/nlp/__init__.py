"""The NLP stage: the spaCy pipeline, promise detection, values, deadlines, calendars."""

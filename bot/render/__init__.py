"""Pictures drawn with Pillow (pure functions: facts in, PNG bytes out; run them in a worker thread)."""

"""Study content: models, the seed importer, the pack loader and the lookup index."""

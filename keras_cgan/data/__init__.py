"""Data loaders per modality and synthetic data made on the fly."""

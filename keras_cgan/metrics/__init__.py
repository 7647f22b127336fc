"""Quality metrics per modality."""
